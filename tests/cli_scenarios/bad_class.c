/* A class without a task set: the runner refuses it, naming the class and field. */
#include <locust/locust.h>

static const locust_class broken = {.name = "Broken", .task_set = NULL};

LOCUST_SCENARIO(NULL, &broken);
