"""The landing page."""

from __future__ import annotations


def test_landing_page_counts_open_appeals_and_active_panelists(client, appeal):
    response = client.get("/")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "在评申诉:<strong>1</strong>" in text
    assert "在册评价员:<strong>20</strong>" in text
