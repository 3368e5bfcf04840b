# Locust 2.x reference users for the benchmark: zero wait, one request a task.
import os
from locust import HttpUser, task, constant
from locust.contrib.fasthttp import FastHttpUser

PATH = os.environ.get("BENCH_PATH", "/")
# BENCH_LOGIN: a path GET once at the start (bench/nginx.sh's /login sets a cookie), as scenario.c does.
LOGIN = os.environ.get("BENCH_LOGIN")

class FastUser(FastHttpUser):
    wait_time = constant(0)

    def on_start(self):
        if LOGIN:
            self.client.get(LOGIN, name="login")

    @task
    def get(self):
        self.client.get(PATH)
