# Locust 2.x reference users for the benchmark: zero wait, one request a task.
import os
from locust import HttpUser, task, constant
from locust.contrib.fasthttp import FastHttpUser

PATH = os.environ.get("BENCH_PATH", "/")

class FastUser(FastHttpUser):
    wait_time = constant(0)

    @task
    def get(self):
        self.client.get(PATH)
