"""The explorer page in a real browser: headless Chromium (Debian's ``chromium`` and
``chromium-driver``) driven by selenium opens the file, clicks through the backward steps and
checks what the page shows; screenshots go to the test's folder (or to
``TINYGRAD_EDU_SCREENSHOTS``).  Skipped, saying why, where no browser is installed."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.tools import graph
from tinygrad_edu.tools.explorer import graph_data

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
    pytest.skip("no browser: the explorer's browser test needs Debian's chromium and "
                "chromium-driver (apt-get install chromium chromium-driver)",
                allow_module_level=True)
webdriver = pytest.importorskip("selenium.webdriver",
                                reason="the browser test drives chromium with selenium "
                                       "(pip install 'tinygrad_edu[test]')")
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_explorer import article_loss, shared_use  # noqa: E402


@pytest.fixture(scope="module")
def browser():
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager: never fetch a driver
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="tinygrad_edu_chromium_")
    for flag in ("--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync", f"--user-data-dir={profile}",
                 "--window-size=1500,900"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def shots(tmp_path):
    folder = Path(os.environ.get("TINYGRAD_EDU_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def open_page(browser, path: Path) -> None:
    browser.get(path.resolve().as_uri())
    assert browser.find_elements(By.CSS_SELECTOR, "#graph .node"), "the page drew no graph"
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []


def node_states(browser) -> dict[str, str]:
    return {g.get_attribute("data-id") or "g" + g.get_attribute("data-group"):
            g.get_attribute("data-state")
            for g in browser.find_elements(By.CSS_SELECTOR, "#graph .node")}


def test_clicking_through_the_backward_steps(browser, tmp_path, shots):
    _, _, h, loss = shared_use()
    path = tmp_path / "shared_use.html"
    graph.explore(loss, path, names={"h": h})
    data = graph_data(loss, names={"h": h})
    open_page(browser, path)
    label = browser.find_element(By.ID, "step-label")
    assert label.text == f"step 0 / {len(data['steps'])}"
    assert set(node_states(browser).values()) == {"idle"}
    browser.save_screenshot(str(shots / "explorer_step0.png"))
    for k, step in enumerate(data["steps"], start=1):
        browser.find_element(By.ID, "next").click()
        assert label.text == f"step {k} / {len(data['steps'])}"
        states = node_states(browser)
        assert states[str(step["node"])] == "current"
        assert [data["steps"][i]["node"] for i in range(k - 1)] == sorted(
            (int(i) for i, s in states.items() if s == "done"),
            key=[s["node"] for s in data["steps"]].index)
        info = browser.find_element(By.ID, "step-info").text
        node = data["nodes"][step["node"]]
        if node["label"] == "h":  # used three times: the page says the gradients are summed
            assert "sum of 3 gradients" in info
            browser.save_screenshot(str(shots / "explorer_sum.png"))
        red = browser.find_elements(By.CSS_SELECTOR, "#graph path.edge.produced")
        assert bool(red) == bool(step["produces"])
    assert browser.find_element(By.ID, "next").get_attribute("disabled") == "true"
    browser.save_screenshot(str(shots / "explorer_done.png"))
    # clicking a node shows its value, saved inputs, gradient and backward formula
    tanh = next(n for n in data["nodes"] if n["op"] == "Tanh")
    browser.find_element(By.CSS_SELECTOR, f'#graph .node[data-id="{tanh["id"]}"]').click()
    details = browser.find_element(By.ID, "details").text
    assert "da = g * (1 - out^2)" in details
    assert "Saved for backward" in details and "Value" in details
    assert f"{tanh['grad']['norm']:.4g}"[:4] in details
    assert browser.find_elements(By.CSS_SELECTOR, "#details canvas.heat")
    browser.find_element(By.ID, "first").click()
    assert label.text.startswith("step 0 /")


def test_an_article_network_folds_into_its_modules(browser, tmp_path, shots):
    model, loss, modules = article_loss("004")
    path = tmp_path / "article_004.html"
    graph.explore(loss, path, modules=modules, title="article 004: 12288-20-7-5-1")
    open_page(browser, path)
    folded = {g.get_attribute("data-group")
              for g in browser.find_elements(By.CSS_SELECTOR, "#graph .node.group")}
    names = {name for name, _ in model.named_modules() if name}
    assert names <= folded
    assert "0: Linear" in browser.find_element(By.ID, "graph").text
    browser.save_screenshot(str(shots / "explorer_article004_folded.png"))
    browser.find_element(By.ID, "last").click()
    assert set(node_states(browser).values()) == {"done", "current"}  # every box got one
    browser.find_element(By.CSS_SELECTOR, '#graph .node.group[data-group="0"]').click()
    assert "0.weight" in browser.find_element(By.ID, "graph").text
    browser.save_screenshot(str(shots / "explorer_article004_unfolded0.png"))


def test_page_works_inside_a_notebook_frame(browser, tmp_path):
    x = tg.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    frame = graph.Graph((x * x).sum())._repr_html_()
    path = tmp_path / "notebook.html"
    path.write_text(f"<html><body><h1>cell</h1>{frame}</body></html>", encoding="utf-8")
    browser.get(path.resolve().as_uri())
    browser.switch_to.frame(browser.find_element(By.TAG_NAME, "iframe"))
    try:
        assert browser.find_elements(By.CSS_SELECTOR, "#graph .node")
        browser.find_element(By.ID, "next").click()
        assert browser.find_element(By.ID, "step-label").text.startswith("step 1 /")
    finally:
        browser.switch_to.default_content()
