/* The task ratio example of docs/compatibility.md §5.2 as a scenario (see ratio_classes.h). */
#include "ratio_classes.h"

LOCUST_SCENARIO(NULL, &ratio_unlikely, &ratio_more_likely);
