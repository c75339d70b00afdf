"""Rasa runs with --auth-token: without the token (or with a wrong one) its API refuses, and
the client with the right token gets Rasa's answers."""

from __future__ import annotations

import httpx

from common.settings import Settings
from nlu.client import NluClient


def test_the_rasa_api_refuses_requests_without_the_token(nlu_url, nlu_token):
    for params in ({}, {"token": "guess"}, {"token": nlu_token + "x"}):
        response = httpx.post(f"{nlu_url}/model/parse", json={"text": "bonjour"},
                              params=params, timeout=10)
        assert response.status_code == 401, params
        assert httpx.get(f"{nlu_url}/status", params=params, timeout=10).status_code == 401
    # Replacing the model is the dangerous part of --enable-api.
    response = httpx.put(f"{nlu_url}/model", json={"model_file": "/tmp/x.tar.gz"}, timeout=10)
    assert response.status_code == 401
    ok = httpx.post(f"{nlu_url}/model/parse", json={"text": "bonjour"},
                    params={"token": nlu_token}, timeout=10)
    assert ok.status_code == 200 and ok.json()["intent"]["name"]


def test_the_client_sends_the_token(nlu_url, nlu_token):
    with NluClient(nlu_url, timeout=2.0, token="wrong") as wrong:
        assert not wrong.is_up()
        assert wrong.parse("bonjour").source == "fallback"
    with NluClient(nlu_url, timeout=2.0, token=nlu_token) as right:
        assert right.is_up()
        assert right.parse("bonjour").source == "rasa"


def test_settings_always_carry_a_token():
    first, second = Settings(), Settings()
    assert len(first.nlu_token) >= 32 and first.nlu_token != second.nlu_token
    assert Settings(nlu_token="fixed").nlu_token == "fixed"
