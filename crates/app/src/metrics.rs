//! Prometheus counters and histograms of one instance, rendered as text at `/metrics`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

/// Upper bounds of the request latency buckets, in seconds.
const BUCKETS: [f64; 11] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

#[derive(Default)]
struct Latency {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// The application's counters (see [`Metrics::increment`]).
const COUNTERS: [&str; 6] = [
    "deliveries_ok_total",
    "deliveries_failed_total",
    "mails_queued_total",
    "mails_sent_total",
    "mails_retried_total",
    "mails_failed_total",
];

#[derive(Default)]
pub struct Metrics {
    /// (method, route pattern, status) -> count
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    /// (method, route pattern) -> latency
    latency: Mutex<BTreeMap<(String, String), Latency>>,
    /// name -> count, for application counters (deliveries, ...)
    counters: Mutex<BTreeMap<String, u64>>,
}

fn escape_label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl Metrics {
    pub fn observe_request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        if let Ok(mut m) = self.requests.lock() {
            *m.entry((method.to_string(), route.to_string(), status))
                .or_default() += 1;
        }
        if let Ok(mut m) = self.latency.lock() {
            let l = m
                .entry((method.to_string(), route.to_string()))
                .or_default();
            for (i, bound) in BUCKETS.iter().enumerate() {
                if seconds <= *bound {
                    l.buckets[i] += 1;
                }
            }
            l.count += 1;
            l.sum += seconds;
        }
    }

    pub fn increment(&self, name: &str, by: u64) {
        if let Ok(mut m) = self.counters.lock() {
            *m.entry(name.to_string()).or_default() += by;
        }
    }

    /// The Prometheus text exposition; `gauges` are values sampled by the caller.
    pub fn render(&self, gauges: &[(&str, &str, f64)]) -> String {
        let mut out = String::new();
        out.push_str("# HELP interspace_http_requests_total HTTP requests by route and status.\n");
        out.push_str("# TYPE interspace_http_requests_total counter\n");
        if let Ok(m) = self.requests.lock() {
            for ((method, route, status), n) in m.iter() {
                let _ = writeln!(
                    out,
                    "interspace_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {n}",
                    escape_label(method),
                    escape_label(route)
                );
            }
        }
        out.push_str("# HELP interspace_http_request_duration_seconds HTTP request latency.\n");
        out.push_str("# TYPE interspace_http_request_duration_seconds histogram\n");
        if let Ok(m) = self.latency.lock() {
            for ((method, route), l) in m.iter() {
                let labels = format!(
                    "method=\"{}\",route=\"{}\"",
                    escape_label(method),
                    escape_label(route)
                );
                for (i, bound) in BUCKETS.iter().enumerate() {
                    let _ = writeln!(
                        out,
                        "interspace_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {}",
                        l.buckets[i]
                    );
                }
                let _ = writeln!(
                    out,
                    "interspace_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                    l.count
                );
                let _ = writeln!(
                    out,
                    "interspace_http_request_duration_seconds_sum{{{labels}}} {}",
                    l.sum
                );
                let _ = writeln!(
                    out,
                    "interspace_http_request_duration_seconds_count{{{labels}}} {}",
                    l.count
                );
            }
        }
        if let Ok(m) = self.counters.lock() {
            // Known counters are served from the start, at 0: a rate over a series that
            // appears only with its first event misses that event.
            let mut all: BTreeMap<&str, u64> = COUNTERS.iter().map(|c| (*c, 0)).collect();
            all.extend(m.iter().map(|(k, v)| (k.as_str(), *v)));
            for (name, n) in all {
                let _ = writeln!(
                    out,
                    "# TYPE interspace_{name} counter\ninterspace_{name} {n}"
                );
            }
        }
        for (name, help, value) in gauges {
            let _ = writeln!(out, "# HELP interspace_{name} {help}\n# TYPE interspace_{name} gauge\ninterspace_{name} {value}");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn renders_counts_and_buckets() {
        let m = super::Metrics::default();
        m.observe_request("GET", "/users/{name}", 200, 0.003);
        m.observe_request("GET", "/users/{name}", 200, 0.3);
        let text = m.render(&[("users", "Local users.", 2.0)]);
        assert!(text.contains(
            "interspace_http_requests_total{method=\"GET\",route=\"/users/{name}\",status=\"200\"} 2"
        ));
        assert!(text.contains("le=\"0.005\"} 1"));
        assert!(text.contains("le=\"+Inf\"} 2"));
        assert!(text.contains("interspace_users 2"));
    }
}
