/*
 * clock: the monotonic clock in milliseconds, for deadlines and budgets
 * (DNS lookups, request bodies, locks).  Never goes back with the wall
 * clock.
 */
#ifndef CLOCK_H
#define CLOCK_H

long long	clock_ms(void);

#endif /* CLOCK_H */
