/*
 * test_flags.c - Envoy response flags: names, order and formatting
 * (policy-semantics.md 8.2).  Table-driven: each row is a set and Envoy's text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "policy/flags.h"

#define B(f) POL_FLAG_BIT(POL_FLAG_##f)

static void test_format_table(void **state)
{
    (void)state;
    static const struct {
        pol_flags set;
        const char *text;
        const char *long_text;
    } rows[] = {
        {0, "-", "-"},
        {B(UH), "UH", "NoHealthyUpstream"},
        {B(UO), "UO", "UpstreamOverflow"},
        {B(URX) | B(UT), "UT,URX", "UpstreamRequestTimeout,UpstreamRetryLimitExceeded"},
        {B(URX) | B(UO), "UO,URX", "UpstreamOverflow,UpstreamRetryLimitExceeded"},
        {B(DI) | B(FI), "DI,FI", "DelayInjected,FaultInjected"},
        {B(RL), "RL", "RateLimited"},
        {B(UF) | B(URX), "UF,URX", "UpstreamConnectionFailure,UpstreamRetryLimitExceeded"},
        {B(LH) | B(DO), "LH,DO", "FailedLocalHealthCheck,DropOverload"},
        {B(UAEX) | B(NC) | B(NR), "NR,UAEX,NC", "NoRouteFound,UnauthorizedExternalService,NoClusterFound"},
        {B(UPE) | B(UC) | B(DC), "UC,DC,UPE",
         "UpstreamConnectionTermination,DownstreamConnectionTermination,UpstreamProtocolError"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char buf[POL_FLAGS_FORMAT_MAX];
        size_t n = pol_flags_format(rows[i].set, false, buf, sizeof buf);
        assert_string_equal(buf, rows[i].text);
        assert_int_equal(n, strlen(rows[i].text));
        char lbuf[512];
        pol_flags_format(rows[i].set, true, lbuf, sizeof lbuf);
        assert_string_equal(lbuf, rows[i].long_text);
    }
}

static void test_all_flags_fit(void **state)
{
    (void)state;
    pol_flags all = 0;
    for (int i = 0; i < POL_FLAG_COUNT; i++)
        all |= POL_FLAG_BIT(i);
    char buf[POL_FLAGS_FORMAT_MAX];
    size_t n = pol_flags_format(all, false, buf, sizeof buf);
    assert_true(n < sizeof buf);
    assert_string_equal(buf, "LH,UH,UT,LR,UR,UF,UC,UO,NR,DI,FI,RL,UAEX,RLSE,DC,URX,SI,IH,DPE,UMSDR,"
                             "RFCF,NFCF,DT,UPE,NC,OM,DF,DO");
}

static void test_truncation_like_snprintf(void **state)
{
    (void)state;
    char buf[4];
    size_t n = pol_flags_format(B(UT) | B(URX), false, buf, sizeof buf);
    assert_int_equal(n, 6); /* "UT,URX" */
    assert_string_equal(buf, "UT,");
    assert_int_equal(pol_flags_format(B(UH), false, NULL, 0), 2);
}

static void test_names_and_parse(void **state)
{
    (void)state;
    for (int i = 0; i < POL_FLAG_COUNT; i++) {
        pol_flag f;
        assert_non_null(pol_flag_short_name((pol_flag)i));
        assert_int_equal(pol_flag_parse(pol_flag_short_name((pol_flag)i), &f), 0);
        assert_int_equal(f, i);
        assert_int_equal(pol_flag_parse(pol_flag_long_name((pol_flag)i), &f), 0);
        assert_int_equal(f, i);
    }
    pol_flag f;
    assert_int_equal(pol_flag_parse("XX", &f), -1);
    assert_null(pol_flag_short_name(POL_FLAG_COUNT));
    assert_string_equal(pol_flag_long_name(POL_FLAG_OM), "OverloadManagerTerminated");
    assert_string_equal(pol_flag_short_name(POL_FLAG_UMSDR), "UMSDR");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_table),
        cmocka_unit_test(test_all_flags_fit),
        cmocka_unit_test(test_truncation_like_snprintf),
        cmocka_unit_test(test_names_and_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
