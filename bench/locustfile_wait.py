# Locust 2.x reference users for the memory benchmark: FastHttpUser with a
# keep-alive connection each, waiting 1-2 s between requests.
import os
from locust import task, between
from locust.contrib.fasthttp import FastHttpUser

PATH = os.environ.get("BENCH_PATH", "/")

class IdleUser(FastHttpUser):
    wait_time = between(1, 2)

    @task
    def get(self):
        self.client.get(PATH)
