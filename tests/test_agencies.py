"""Pensioners told to visit an agency find it: address, phone, hours and a map link."""

import re


def test_visitor_finds_each_agency_with_hours_phone_and_map_link(client, demo):
    page = client.get("/agencies").data.decode()
    assert "Agence Casablanca Centre" in page and "100, boulevard Abdelmoumen" in page
    assert 'href="tel:+212522201010"' in page
    assert 'href="geo:33.58130,-7.63100?q=33.58130,-7.63100(Agence%20Casablanca%20Centre)"' in page
    assert page.count("08:30–12:30, 13:30–16:30") == 5 * 5  # five agencies, Monday to Friday
    casablanca = page[page.index('id="agency-CAS"') : page.index('id="agency-FES"')]
    assert re.search(r"dimanche</dt><dd[^>]*><span class=\"muted\">Fermé", casablanca)


def test_agencies_page_reads_in_arabic_right_to_left(client, demo):
    client.set_cookie("lang", "ar")
    page = client.get("/agencies").data.decode()
    assert 'dir="rtl"' in page and "الأحد" in page and "وكالاتنا" in page


def test_messages_that_send_to_an_agency_link_the_agencies_page(client, demo):
    assert 'href="/agencies"' in client.get("/auth/login").data.decode()
    assert 'href="/agencies"' in client.get("/").data.decode()
