# Locust 2.x's counterpart of the Web class of reports.c, for comparing
# 2.12.1's CSV files with locust-run's (tests/test_cli_csv2.sh).
from locust import HttpUser, constant, task


class Web(HttpUser):
    wait_time = constant(0.05)

    @task
    def hit(self):
        self.client.get("/")
        self.client.get("/status/500")
