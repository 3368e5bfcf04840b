/* A shared object without LOCUST_SCENARIO. */
int not_a_scenario(void);
int not_a_scenario(void)
{
    return 42;
}
