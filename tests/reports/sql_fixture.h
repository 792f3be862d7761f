/*
 * sql_fixture.h - one value out of a results file, for the tests that read
 * results.sqlite back: the query must prepare and give a row (the test fails
 * otherwise, naming the query).  Include after <cmocka.h> and <sqlite3.h>.
 */
#ifndef TESTS_SQL_FIXTURE_H
#define TESTS_SQL_FIXTURE_H

#include <stdio.h>

static inline sqlite3_stmt *rf_sql_row(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    if (sqlite3_step(st) != SQLITE_ROW)
        fail_msg("%s: no row", sql);
    return st;
}

/* The first column of the first row as an integer. */
static inline long long rf_sql_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = rf_sql_row(db, sql);
    long long v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* ... as a real. */
static inline double rf_sql_real(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = rf_sql_row(db, sql);
    double v = sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* ... as text into buf ("(null)" for NULL); returns buf. */
static inline const char *rf_sql_text(sqlite3 *db, const char *sql, char *buf, size_t cap)
{
    sqlite3_stmt *st = rf_sql_row(db, sql);
    const unsigned char *t = sqlite3_column_text(st, 0);
    snprintf(buf, cap, "%s", t ? (const char *)t : "(null)");
    sqlite3_finalize(st);
    return buf;
}

#endif
