/* Does not compile: locust-run must show the compiler's message. */
#include <locust/locust.h>

static int broken(void)
{
    return this_identifier_is_not_declared;
}
