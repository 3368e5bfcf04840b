# Locust 2.x reference users for the benchmark: zero wait, one request a task.
import os
from locust import HttpUser, task, constant

PATH = os.environ.get("BENCH_PATH", "/")

class SlowUser(HttpUser):
    wait_time = constant(0)

    @task
    def get(self):
        self.client.get(PATH)
