#!/usr/bin/env python3
"""End to end in a real browser: the builder's tools (issue 16).

Starts `echo-repl serve` on a fresh default world, opens the client in
headless Chromium (the Page of test_browser_client.py) and, as the wizard
(a programmer): opens the Build tab, inspects an object and follows an
object link, edits a property value, adds and deletes a property, opens a
verb (highlighted by each syntax's own words), saves it
with a syntax error and sees the error at its line in the editor while the
stored verb stays as it was, fixes it, saves and runs it and sees the
result; makes it fail at run time and follows the traceback to the line;
adds and deletes a verb through the inspector; evaluates in the eval panel
and opens a resulting object. Then a plain player logs in on the same page
and gets no builder's tools. The editor showing the error is saved as
WORK_DIR/editor.png (docs/images/editor.png is a copy of it).
Skipped (exit 0, with a line saying so) when chromium is not installed.
Usage: test_builder_tools.py ECHO_REPL WORK_DIR
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_browser_client import Page, browser_world  # noqa: E402
from web_client import Api  # noqa: E402

BROKEN = "x = 20;\nreturn x +;\n"
FIXED = "x = 20;\nreturn x + 1;\n"


def q(s):
    return json.dumps(s)


class Builder:
    """The page's builder tools, by their element ids."""

    def __init__(self, page):
        self.page = page

    def text(self, selector):
        return self.page.js("(document.querySelector(%s) || {}).innerText || ''" % q(selector))

    def wait_text(self, selector, pattern, what, timeout=20):
        self.page.wait("new RegExp(%s).test((document.querySelector(%s) || {}).innerText || '')"
                       % (q(pattern), q(selector)), what, timeout)

    def click(self, selector):
        ok = self.page.js("(() => { const e = document.querySelector(%s); if (!e) return false; e.click(); "
                          "return true; })()" % q(selector))
        assert ok, "nothing to click at %s" % selector

    def set_source(self, text):
        self.page.js("(() => { const t = document.getElementById('editor-source'); t.value = %s; "
                     "t.dispatchEvent(new Event('input')); })()" % q(text))

    def inspect(self, ref):
        self.page.js("document.getElementById('inspect-id').value = %s; "
                     "document.getElementById('inspect-form').requestSubmit()" % q(ref))

    def eval(self, code):
        self.page.js("document.getElementById('eval-input').value = %s; "
                     "document.getElementById('eval-form').requestSubmit()" % q(code))


def login(page, name, password):
    # The form is in the HTML before client.js runs: submitted too early it
    # would reload the page instead of logging in.
    page.wait("document.documentElement?.dataset.scripts === 'ready' && !document.getElementById('login').hidden",
              "the login form is shown and live")
    page.js("document.getElementById('name').value = %s; document.getElementById('password').value = %s;"
            "document.getElementById('login').requestSubmit()" % (q(name), q(password)))
    page.wait("document.getElementById('status').textContent === 'connected'", "%s connects" % name)
    page.wait("document.body.dataset.builder === 'yes' || document.body.dataset.builder === 'no'",
              "the page learns whether %s is a programmer" % name)


def main():
    repl, work = sys.argv[1], sys.argv[2]
    bw = browser_world(repl, work, "builder tools")
    if not bw:
        return
    chromium, telnet, http, server = bw.chromium, bw.telnet, bw.http, bw.server
    page = None
    t0 = time.time()
    try:
        wiz = Api(http)
        wiz.login("wizard", "wizard")
        st, doc = wiz.call("POST", "/api/eval", {"code": (
            'o = create(#1); o.name = "widget"; move(o, player.location); '
            'add_property(o, "colour", "red", {player, "rc"}); '
            'add_verb(o, {player, "rxd", "greet"}, {"this", "none", "this"}); '
            'set_verb_code(o, "greet", {"return \\"hello\\";"}); return o;')})
        assert st == 200, (st, doc)
        widget = doc["result"]["obj"]
        W = "/api/objects/%d" % widget
        st, doc = Api(http).call("POST", "/api/login", {"name": "Plain", "password": "plain1", "create": True})
        assert st == 200, ("a plain player", st, doc)

        page = Page(chromium, "http://127.0.0.1:%d/" % http, work)
        b = Builder(page)
        login(page, "wizard", "wizard")
        assert page.js("document.body.dataset.builder") == "yes"
        page.wait("!document.getElementById('tabs').hidden", "the wizard gets the Build tab")
        b.click("#tab-build")
        page.wait("!document.getElementById('build').hidden && document.getElementById('play').hidden",
                  "the Build tab shows the tools")
        b.wait_text("#inspector-title", "Wizard", "the inspector starts at the player")

        # The inspector: an object, its relations and properties; links navigate.
        b.inspect("#%d" % widget)
        b.wait_text("#inspector-title", "widget #%d" % widget, "the widget is inspected")
        b.wait_text("#inspector-body tr[data-prop=colour] td.value", '^"red"$', "a property's value as a literal")
        b.wait_text("#inspector-body .relations", "Parents\\s+Root Class \\(#1\\)", "parents are named")
        b.click("#inspector-body .relations dd button.objref[data-obj='1']")
        b.wait_text("#inspector-title", "Root Class #1", "a parent link opens the parent")
        b.wait_text("#inspector-body .relations", "widget \\(#%d\\)" % widget, "the parent lists its child")
        b.click("#inspect-back")
        b.wait_text("#inspector-title", "widget", "back to the widget")

        # A property edited as a MOO literal.
        b.click("#inspector-body tr[data-prop=colour] button[aria-label='Edit colour']")
        page.js("(() => { const i = document.querySelector('tr[data-prop=colour] input.edit'); "
                "i.value = '{1, \"two\", #1}'; i.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter'})); })()")
        b.wait_text("#inspector-body tr[data-prop=colour] td.value", '^\\{1, "two", #1\\}$', "the new value shows")
        st, doc = wiz.call("GET", W + "/properties/colour")
        assert doc["value"] == [1, "two", {"obj": 1}], ("the value is stored", doc)
        # A property added and deleted through the inspector.
        page.js("(() => { const f = document.querySelector('#inspector-body form[aria-label=\"Add a property\"]'); "
                "f.elements.name.value = 'size'; f.elements.value.value = '2 + 1'; f.requestSubmit(); })()")
        b.wait_text("#inspector-body tr[data-prop=size] td.value", "^3$", "the new property shows")
        b.click("#inspector-body tr[data-prop=size] button.danger")
        b.click("#inspector-body tr[data-prop=size] button.danger")
        page.wait("!document.querySelector('#inspector-body tr[data-prop=size]')", "the property is gone")
        st, _ = wiz.call("GET", W + "/properties/size")
        assert st == 404, "the property is deleted"

        # Eval: values as MOO literals (objects open in the inspector, below).
        b.eval("{#%d, 2.0, \"a\", E_PERM, [\"k\" -> 1]}" % widget)
        b.wait_text("#eval-log", '=> \\{#%d, 2\\.0, "a", E_PERM, \\["k" -> 1\\]\\}' % widget, "eval shows values")

        # The verb editor: open, highlighted.
        b.click("#inspector-body li[data-verb=greet] button.verb")
        b.wait_text("#editor-title", "#%d:greet" % widget, "the verb opens in the editor")
        assert page.js("document.getElementById('editor-source').value") == 'return "hello";'
        assert b.text("#editor-highlight .hl-keyword") == "return", "return is a keyword"
        assert b.text("#editor-highlight .hl-string") == '"hello"', "a string is highlighted"
        # Each syntax its own grammar's words: `let` is an Echo keyword, a MOO variable.
        b.set_source("let x = 1;")
        page.js("(() => { const s = document.getElementById('editor-syntax'); s.value = 'echo'; "
                "s.dispatchEvent(new Event('change')); })()")
        assert b.text("#editor-highlight .hl-keyword") == "let", "let is an Echo keyword"
        page.js("(() => { const s = document.getElementById('editor-syntax'); s.value = 'moo'; "
                "s.dispatchEvent(new Event('change')); })()")
        assert not page.js("document.querySelector('#editor-highlight .hl-keyword')"), "let is no MOO keyword"
        names = page.js("[...document.querySelectorAll('#editor-highlight .hl-variable')].map(e => e.textContent)")
        assert names == ["let", "x"], "in MOO let and x are variables: %r" % names

        # A syntax error: shown at its line, nothing saved.
        b.set_source(BROKEN)
        b.click("#editor-save")
        b.wait_text("#editor-status", "Not saved", "the compile error is reported")
        where = page.js("(() => { const e = document.querySelector('#editor-status button.error-at'); "
                        "return [e.dataset.line, e.dataset.column, e.textContent]; })()")
        assert where[0] == "2" and int(where[1]) > 0 and where[2].startswith("Line 2, column"), where
        marked = page.js("[...document.querySelectorAll('#editor-lines .error')].map(d => d.textContent)")
        assert marked == ["2"], "the gutter marks line 2: %r" % marked
        caret = page.js("(() => { const t = document.getElementById('editor-source'); "
                        "return t.value.slice(0, t.selectionStart).split('\\n').length; })()")
        assert caret == 2, "the caret is on line 2, not %r" % caret
        assert page.js("document.activeElement.id") == "editor-source"
        page.screenshot(os.path.join(work, "editor.png"))
        st, doc = wiz.call("GET", W + "/verbs/greet")
        assert doc["source"] == 'return "hello";', ("nothing was saved", doc)

        # Fixed, saved, run.
        b.set_source(FIXED)
        page.wait("document.querySelectorAll('#editor-lines .error').length === 1", "the mark stays until saved")
        b.click("#editor-save")
        b.wait_text("#editor-status", "Saved #%d:greet" % widget, "the fixed verb is saved")
        assert not page.js("document.querySelectorAll('#editor-lines .error').length"), "the error mark is gone"
        st, doc = wiz.call("GET", W + "/verbs/greet")
        assert doc["source"] == FIXED, ("the fix is stored", doc)
        b.click("#editor-run")
        b.wait_text("#editor-status .result", "^=> 21$", "running it shows the result")

        # "#N:verb" in the inspector's box opens the verb directly.
        b.inspect("#%d:greet" % widget)
        b.wait_text("#editor-status", "Opened #%d:greet" % widget, "obj:verb opens the verb")
        # A long value is cut short, with a button for the rest.
        wiz.call("PUT", W + "/properties/colour", {"value": ["x" * 50] * 40})
        b.inspect("#%d" % widget)
        b.wait_text("#inspector-body tr[data-prop=colour] button.more", "Show all", "a long value is cut short")
        b.click("#inspector-body tr[data-prop=colour] button.more")
        b.wait_text("#inspector-body tr[data-prop=colour] td.value", '"x{50}"\\}$', "and shown whole on request")

        # A runtime error: the traceback links to the line.
        b.set_source("x = 0;\nreturn 1 / x;")
        b.click("#editor-save")
        b.wait_text("#editor-status", "Saved", "saved again")
        b.click("#editor-run")
        b.wait_text("#editor-status", "E_DIV", "the runtime error is shown")
        page.wait("[...document.querySelectorAll('#editor-lines .trace')].map(d => d.textContent).join() === '2'",
                  "the traceback marks line 2")
        b.click("#editor-status button.trace-link")
        caret = page.js("(() => { const t = document.getElementById('editor-source'); "
                        "return t.value.slice(0, t.selectionStart).split('\\n').length; })()")
        assert caret == 2, "the traceback link puts the caret on line 2, not %r" % caret

        # Add a verb through the inspector (it opens in the editor), then delete it.
        page.js("(() => { const f = document.querySelector('#inspector-body form[aria-label=\"Add a verb\"]'); "
                "f.elements.names.value = 'wave'; f.requestSubmit(); })()")
        b.wait_text("#editor-title", "#%d:wave" % widget, "a new verb opens in the editor")
        b.wait_text("#inspector-body ul.verbs", "wave", "the inspector lists it")
        st, _ = wiz.call("GET", W + "/verbs/wave")
        assert st == 200, "the verb exists"
        b.click("#inspector-body li[data-verb=wave] button.danger")
        b.click("#inspector-body li[data-verb=wave] button.danger")  # the second press confirms
        page.wait("!document.querySelector('#inspector-body li[data-verb=wave]')", "the verb is gone from the list")
        st, _ = wiz.call("GET", W + "/verbs/wave")
        assert st == 404, "the verb is deleted"

        # Eval: values as MOO literals, objects open in the inspector.
        b.eval("1 / 0")
        b.wait_text("#eval-log", "E_DIV", "eval shows errors")
        b.eval(";x = 6; return x * 7;")
        b.wait_text("#eval-log", "=> 42", "a line starting with ; runs as statements")
        b.eval("y = 5; return y + 1;")
        b.wait_text("#eval-log", "=> 6", "statements that are no expression run as statements")
        b.inspect("#1")
        b.wait_text("#inspector-title", "Root Class", "away from the widget")
        b.click("#eval-log .result button.objref[data-obj='%d']" % widget)
        b.wait_text("#inspector-title", "widget", "an object in a result opens in the inspector")

        # A plain player gets no builder's tools.
        b.click("#logout")
        login(page, "Plain", "plain1")
        assert page.js("document.body.dataset.builder") == "no"
        assert page.js("document.getElementById('tabs').hidden && document.getElementById('build').hidden"), \
            "a plain player sees no Build tab"
        # Object numbers are not links for them: not in the side panel, and
        # #1 in the narrative stays text that opens nothing.
        page.wait("document.querySelectorAll('#people li').length > 0", "the side panel lists who is here")
        assert page.js("[...document.querySelectorAll('#here .objnum')]"
                       ".every(a => getComputedStyle(a).display === 'none')"), \
            "a plain player sees no object numbers in the side panel"
        page.js("(() => { const i = document.getElementById('command'); i.value = 'say see #1'; "
                "document.getElementById('command-form').requestSubmit(); })()")
        page.wait("!!document.querySelector('#output a.ref[data-inspect=\"1\"]')", "the line with #1")
        page.js("document.querySelector('#output a.ref[data-inspect=\"1\"]').click()")
        time.sleep(0.3)
        assert page.js("document.getElementById('build').hidden"), "#1 opened the inspector for a plain player"
        assert server.stop() == 0
    except Exception:
        server.proc.kill()
        raise
    finally:
        if page:
            page.close()
    print("e2e builder tools: inspector, property edit, compile error at its line, save, run, traceback, "
          "add and delete a verb, eval; none for a plain player (%.1f s)" % (time.time() - t0))


if __name__ == "__main__":
    main()
