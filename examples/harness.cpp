/*
 * A C++ test harness around liblocust: the runner is owned by a
 * std::unique_ptr, a lambda listens to the request events, and the result
 * is checked against expectations, as a test in a C++ code base would.
 *
 *   g++ -o harness examples/harness.cpp $(pkg-config --cflags --libs liblocust)
 *   ./harness http://127.0.0.1:8080 [SECONDS]
 */
#include <locust/locust.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>

namespace
{

void index_page(locust_ctx *ctx)
{
    locust_get(ctx, "/", nullptr);
}

void profile_after_login(locust_ctx *ctx)
{
    static const char *const form[] = {"username", "harness", nullptr};
    locust_request_opts login = {};
    login.form = form;
    locust_post(ctx, "/login", &login);
    locust_get(ctx, "/profile", nullptr);
}

const locust_task tasks[] = {
    {"index_page", index_page, nullptr, 2, 0, nullptr},
    {"profile_after_login", profile_after_login, nullptr, 1, 0, nullptr},
    LOCUST_TASKS_END,
};

locust_taskset make_taskset()
{
    locust_taskset ts = {};
    ts.name = "HarnessTasks";
    ts.tasks = tasks;
    return ts;
}
const locust_taskset taskset = make_taskset();

locust_class make_class()
{
    locust_class c = {};
    c.name = "HarnessUser";
    c.task_set = &taskset;
    c.min_wait = 50;
    c.max_wait = 150;
    return c;
}
const locust_class harness_user = make_class();

struct runner_deleter {
    void operator()(locust_runner *r) const
    {
        locust_runner_free(r);
    }
};
using runner_ptr = std::unique_ptr<locust_runner, runner_deleter>;

/* Requests per "METHOD name", as the listener saw them. */
struct tally {
    std::map<std::string, unsigned long> ok, failed;
};

} // namespace

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        std::fprintf(stderr, "usage: %s HOST [SECONDS]\n", argv[0]);
        return 2;
    }
    double seconds = argc == 3 ? std::atof(argv[2]) : 5;
    locust_log_set(nullptr, nullptr, LOCUST_LOG_WARNING);

    locust_runner_options opts = {};
    opts.host = argv[1];
    locust_runner *raw = nullptr;
    if (int rc = locust_runner_new(&raw, &opts)) {
        std::fprintf(stderr, "locust_runner_new: %s\n", locust_strerror(rc));
        return 1;
    }
    runner_ptr runner(raw);

    tally seen;
    auto count = [](const locust_event *ev, void *udata) {
        auto *t = static_cast<tally *>(udata);
        std::string key = std::string(ev->request_type) + " " + ev->name;
        (ev->type == LOCUST_EV_REQUEST_SUCCESS ? t->ok : t->failed)[key]++;
    };
    locust_on(runner.get(), LOCUST_EV_REQUEST_SUCCESS, count, &seen);
    locust_on(runner.get(), LOCUST_EV_REQUEST_FAILURE, count, &seen);

    if (int rc = locust_runner_add_class(runner.get(), &harness_user)) {
        std::fprintf(stderr, "%s: %s\n", locust_strerror(rc), locust_runner_last_error(runner.get()));
        return 1;
    }
    locust_runner_start(runner.get(), 10, 20);
    locust_runner_run(runner.get(), seconds);

    /* The listener and the statistics must agree, request by request. */
    const locust_stats *stats = locust_runner_stats(runner.get());
    int mismatches = 0;
    for (const auto &kv : seen.ok) {
        std::string method = kv.first.substr(0, kv.first.find(' '));
        std::string name = kv.first.substr(kv.first.find(' ') + 1);
        locust_entry_info e;
        bool found = locust_stats_find(stats, name.c_str(), method.c_str(), &e) == 0;
        unsigned long recorded = found ? static_cast<unsigned long>(e.num_requests) : 0;
        auto failed = seen.failed.find(kv.first);
        std::printf("%-24s %8lu ok %8lu failed\n", kv.first.c_str(), kv.second,
                    failed == seen.failed.end() ? 0UL : failed->second);
        if (recorded != kv.second) mismatches++;
    }
    locust_entry_info total;
    locust_stats_total(stats, &total);
    std::printf("total: %llu requests, %llu failures, %.1f ms average\n",
                static_cast<unsigned long long>(total.num_requests),
                static_cast<unsigned long long>(total.num_failures), total.avg_response_time);
    bool ok = total.num_requests > 0 && total.num_failures == 0 && mismatches == 0 && seen.failed.empty();
    std::printf("%s\n", ok ? "PASS" : "FAIL");
    return ok ? 0 : 1;
}
