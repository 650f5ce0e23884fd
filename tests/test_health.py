"""The health endpoint load balancers poll."""

import pytest


@pytest.mark.django_db
def test_it_answers_ok_with_one_query(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/healthz")
    assert (response.status_code, response.content) == (200, b"ok")
    assert "no-cache" in response["Cache-Control"]
