/* A scenario with an empty class list. */
#include <locust/locust.h>

LOCUST_SCENARIO(NULL, NULL);
