/* The per-address connection counts: the limit per address, addresses
 * apart, an entry gone with its last connection and made afresh after,
 * and many addresses sharing buckets. */
#include "config.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "address.h"
#include "errors.h"

static void test_limit_per_address(void **state)
{
	struct address_table t;
	struct address *a[3], *other, *again;

	(void)state;
	memset(&t, 0, sizeof t);
	assert_int_equal(address_acquire(&t, "127.0.0.2", 2, &a[0]), RC_OK);
	assert_int_equal(address_acquire(&t, "127.0.0.2", 2, &a[1]), RC_OK);
	assert_ptr_equal(a[0], a[1]);
	assert_int_equal(a[0]->connections, 2);
	assert_int_equal(address_acquire(&t, "127.0.0.2", 2, &a[2]), RC_ERR_TOO_LARGE);
	assert_null(a[2]);
	/* another address is not affected */
	assert_int_equal(address_acquire(&t, "127.0.0.1", 2, &other), RC_OK);
	assert_ptr_not_equal(other, a[0]);
	/* one closes: room for one more */
	address_release(&t, a[0]);
	assert_int_equal(address_acquire(&t, "127.0.0.2", 2, &a[2]), RC_OK);
	address_release(&t, a[1]);
	address_release(&t, a[2]);
	/* the last one gone: a fresh entry next time */
	assert_int_equal(address_acquire(&t, "127.0.0.2", 1, &again), RC_OK);
	assert_int_equal(again->connections, 1);
	assert_null(again->lane.jobs.head);
	address_release(&t, again);
	address_release(&t, other);
	for (unsigned i = 0; i < ADDRESS_BUCKETS; i++)
		assert_null(t.buckets[i]);
}

/* More addresses than buckets: each keeps its own count. */
static void test_many_addresses(void **state)
{
	enum { MANY = 3 * ADDRESS_BUCKETS };
	static struct address *got[MANY];
	struct address_table t;
	char host[ADDRESS_HOST_MAX];

	(void)state;
	memset(&t, 0, sizeof t);
	for (int i = 0; i < MANY; i++) {
		snprintf(host, sizeof host, "10.%d.%d.1", i / 256, i % 256);
		assert_int_equal(address_acquire(&t, host, 1, &got[i]), RC_OK);
		assert_string_equal(got[i]->host, host);
	}
	for (int i = 0; i < MANY; i++) {
		struct address *more;

		snprintf(host, sizeof host, "10.%d.%d.1", i / 256, i % 256);
		assert_int_equal(address_acquire(&t, host, 1, &more), RC_ERR_TOO_LARGE);
	}
	for (int i = MANY - 1; i >= 0; i--)
		address_release(&t, got[i]);
	for (unsigned i = 0; i < ADDRESS_BUCKETS; i++)
		assert_null(t.buckets[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limit_per_address),
		cmocka_unit_test(test_many_addresses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
