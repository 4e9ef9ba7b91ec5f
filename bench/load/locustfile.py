"""Locust users for the load benches; run only through the locust CLI (its gevent patching must not meet bingads).

The server runs the production settings behind no proxy, so each request carries what the TLS proxy would add
(``X-Forwarded-Proto: https``) and the session and CSRF cookies, which are HTTPS-only, are sent by hand.

Environment: LOAD_USERNAME / LOAD_PASSWORD (who signs in), LOAD_TOKEN (the API token a script keeps; without it,
each API user asks /api/auth/token/ for one, which the "auth" throttle allows 10 times a minute per address by
default), LOAD_WAIT ("MIN,MAX" seconds between a user's requests; "0" for back-to-back), LOAD_CAMPAIGN_PAGES
(pages of the campaign list that CampaignListUser walks), LOAD_PAGE_SIZE (sent as ?page_size= when set).
"""

from __future__ import annotations

import os
import re

from locust import FastHttpUser, between, constant, task

PROXY = {"X-Forwarded-Proto": "https"}
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def wait_time_from_env():
    low, _, high = os.environ.get("LOAD_WAIT", "0.5,2").partition(",")
    return constant(float(low)) if not high else between(float(low), float(high))


def api_headers(client) -> dict[str, str]:
    token = os.environ.get("LOAD_TOKEN")
    if not token:
        token = client.post("/api/auth/token/", json=credentials(), headers=PROXY, name="/api/auth/token/").json()[
            "token"
        ]
    return {**PROXY, "Authorization": f"Token {token}"}


def credentials() -> dict[str, str]:
    return {
        "username": os.environ.get("LOAD_USERNAME", "demo"),
        "password": os.environ.get("LOAD_PASSWORD", "demo-materiales"),
    }


class WebUser(FastHttpUser):
    """A marketer in the browser: signs in, then moves between the main pages."""

    wait_time = wait_time_from_env()
    weight = 1

    def on_start(self) -> None:
        login = self.client.get("/accounts/login/", headers=PROXY, name="/accounts/login/")
        token = CSRF_FIELD.search(login.text).group(1)
        origin = f"https://{self.host.split('://', 1)[1]}"
        headers = {**PROXY, "Cookie": self._cookies(), "Origin": origin, "Referer": f"{origin}/accounts/login/"}
        self.client.post(
            "/accounts/login/",
            data={**credentials(), "csrfmiddlewaretoken": token},
            headers=headers,
            allow_redirects=False,
            name="/accounts/login/ (sign in)",
        )
        self.headers = {**PROXY, "Cookie": self._cookies()}

    def _cookies(self) -> str:
        return "; ".join(f"{cookie.name}={cookie.value}" for cookie in self.client.cookiejar)

    @task(3)
    def dashboard(self) -> None:
        self.client.get("/dashboard/", headers=self.headers)

    @task(2)
    def search_terms(self) -> None:
        self.client.get("/search-terms/", headers=self.headers)

    @task(2)
    def budgets(self) -> None:
        self.client.get("/budgets/", headers=self.headers)

    @task(1)
    def imports(self) -> None:
        self.client.get("/imports/", headers=self.headers)

    @task(1)
    def exports(self) -> None:
        self.client.get("/exports/", headers=self.headers)


class ApiUser(FastHttpUser):
    """A script on the REST API with a token: the main lists."""

    wait_time = wait_time_from_env()
    weight = 1

    def on_start(self) -> None:
        self.headers = api_headers(self.client)

    @task(2)
    def campaigns(self) -> None:
        self.client.get("/api/campaigns/", headers=self.headers)

    @task(2)
    def ad_groups(self) -> None:
        self.client.get("/api/ad-groups/", headers=self.headers)

    @task(2)
    def keywords(self) -> None:
        self.client.get("/api/keywords/", headers=self.headers)

    @task(2)
    def search_terms(self) -> None:
        self.client.get("/api/search-terms/", headers=self.headers)

    @task(1)
    def suggestions(self) -> None:
        self.client.get("/api/suggestions/", headers=self.headers)

    @task(1)
    def budget_plans(self) -> None:
        self.client.get("/api/budget-plans/", headers=self.headers)


class CampaignListUser(FastHttpUser):
    """A script reading an organization's whole campaign list, page after page (the API benchmark)."""

    wait_time = wait_time_from_env()
    weight = 1

    def on_start(self) -> None:
        self.headers = api_headers(self.client)
        self.pages = int(os.environ.get("LOAD_CAMPAIGN_PAGES", "20"))
        size = os.environ.get("LOAD_PAGE_SIZE")
        self.query = f"&page_size={size}" if size else ""
        self.page = 0

    @task
    def next_page(self) -> None:
        self.page = self.page % self.pages + 1
        with self.client.get(
            f"/api/campaigns/?page={self.page}{self.query}",
            headers=self.headers,
            name="/api/campaigns/?page=N",
            catch_response=True,
        ) as response:
            if response.status_code == 200 and not response.json()["results"]:
                response.failure(f"page {self.page} is empty")
