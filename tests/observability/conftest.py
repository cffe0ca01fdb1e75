import urllib.error
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

METRICS_TOKEN = "metrics-token-for-tests-0123456789"


def get(url, headers=None):
    """GET a URL; return (status, body text), whatever the status."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def scrape(worker, token=METRICS_TOKEN):
    """Scrape a worker's /metrics with the token; return {(sample name, frozen labels): value}."""
    status, text = get(worker.base_url + "/metrics", {"Authorization": f"Bearer {token}"})
    assert status == 200, text
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)
