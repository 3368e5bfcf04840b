# Locust 2.x's counterparts of the Web and Boom classes of reports.c, for comparing
# 2.12.1's CSV files with locust-run's (tests/test_cli_csv2.sh).
from locust import HttpUser, constant, task


class Web(HttpUser):
    wait_time = constant(0.05)

    @task
    def hit(self):
        self.client.get("/")
        self.client.get("/status/500")


class Boom(HttpUser):
    wait_time = constant(0.05)

    @task
    def hit_then_fail(self):
        self.client.get("/")
        self.client.get("/status/500")
        raise ValueError('boom, "quoted"')
