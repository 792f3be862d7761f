/*
 * test_cidr.c - the address ranges of policy/cidr.h (ipBlocks, --internal-address):
 * IPv4 and IPv6 prefixes, single addresses, host bits ignored, IPv4-mapped
 * IPv6 peers, and the texts that must be refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "policy/cidr.h"

static bool in(const char *range, const char *ip)
{
    pol_cidr c;
    assert_int_equal(pol_cidr_parse(range, &c), 0);
    return pol_cidr_match_any(&c, 1, ip);
}

static void test_ipv4(void **state)
{
    assert_true(in("10.0.0.0/8", "10.255.3.4"));
    assert_false(in("10.0.0.0/8", "11.0.0.1"));
    assert_true(in("172.16.0.0/12", "172.31.255.255"));
    assert_false(in("172.16.0.0/12", "172.32.0.0"));
    assert_true(in("127.0.0.1", "127.0.0.1"));
    assert_false(in("127.0.0.1", "127.0.0.2"));
    assert_true(in("0.0.0.0/0", "203.0.113.9"));
    assert_true(in("192.168.1.77/24", "192.168.1.3")); /* host bits cleared */
    assert_true(in("10.1.2.3/31", "10.1.2.2"));
    assert_false(in("10.1.2.3/31", "10.1.2.4"));
    assert_true(in("127.0.0.0/8", "::ffff:127.0.0.1")); /* IPv4-mapped */
    assert_false(in("10.0.0.0/8", "::1"));
}

static void test_ipv6(void **state)
{
    assert_true(in("fd00::/8", "fd12:3456::1"));
    assert_false(in("fd00::/8", "fc00::1"));
    assert_true(in("::1/128", "::1"));
    assert_true(in("::1", "::1"));
    assert_false(in("::1", "::2"));
    assert_true(in("2001:db8::/33", "2001:db8:7fff::1"));
    assert_false(in("2001:db8::/33", "2001:db8:8000::1"));
    assert_false(in("::/0", "10.0.0.1")); /* families never mix */
    assert_true(in("::/0", "2001:db8::1"));
}

static void test_several_and_bad(void **state)
{
    pol_cidr c[2];
    assert_int_equal(pol_cidr_parse("10.0.0.0/8", &c[0]), 0);
    assert_int_equal(pol_cidr_parse("fd00::/8", &c[1]), 0);
    assert_true(pol_cidr_match_any(c, 2, "fd00::5"));
    assert_true(pol_cidr_match_any(c, 2, "10.9.9.9"));
    assert_false(pol_cidr_match_any(c, 2, "192.168.0.1"));
    assert_false(pol_cidr_match_any(c, 2, "not-an-ip"));
    assert_false(pol_cidr_match_any(c, 0, "10.9.9.9"));
    static const char *const bad[] = {"",         "10.0.0.0/33", "10.0.0.0/",  "10.0.0/8", "::1/129",
                                      "10.0.0.0/8x", "/8",       "example.com", "10.0.0.0/-1", "1.2.3.4/0008"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pol_cidr x;
        assert_int_equal(pol_cidr_parse(bad[i], &x), -1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4),
        cmocka_unit_test(test_ipv6),
        cmocka_unit_test(test_several_and_bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
