#!/usr/bin/env python3
"""End to end: LambdaCore on a real Echo server over real sockets.

Imports ../shared/data/LambdaCore-latest.db, starts `echo-repl serve`, and
plays it with two telnet clients: connect, look, say, emote, @create, @dig,
walking through the new exit, @describe, @verb + @program, @who, page,
seeing each other's actions. Then it stops the server (SIGTERM) while a task
is suspended, starts it again, and checks that the world and the task
survived. Usage: test_lambdacore.py ECHO_REPL DATA_DIR WORK_DIR
"""
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from moo_client import Client, ServerProcess  # noqa: E402


def main():
    repl, data, work = sys.argv[1], sys.argv[2], sys.argv[3]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    store = os.path.join(work, "lc.db")
    log = os.path.join(work, "server.log")
    subprocess.run([repl, "import", os.path.join(data, "LambdaCore-latest.db"), "--to", store],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    server = ServerProcess(repl, store, log)
    try:
        play(server.port)
        # A task suspended across the restart: it sets a property when it wakes.
        wiz = Client(server.port, "wizard")
        wiz.expect(r"connect wizard")
        wiz.command("connect wizard", r"\*\*\* Connected \*\*\*")
        wiz.drain()
        wiz.command(";add_property(#0, \"echo_e2e\", 0, {player, \"rw\"})", r"=> 0")
        wiz.command(";fork (4) #0.echo_e2e = 42; endfork", r"=> 0")
        wiz.command(";suspend(4); #0.echo_e2e = #0.echo_e2e + 1", r"")
        time.sleep(0.5)
        wiz.close()
        rc = server.stop()
        assert rc == 0, "server exited with %d" % rc
    except Exception:
        server.stop(timeout=10)
        raise

    server = ServerProcess(repl, store, log)
    try:
        wiz = Client(server.port, "wizard again")
        wiz.expect(r"connect wizard")
        wiz.command("connect wizard", r"\*\*\* Connected \*\*\*")
        wiz.drain()
        # The world survived: the widget, the room and the verb are there.
        wiz.command(";$string_utils:english_list({widget.name, widget:shout(\"x\")})", r"widget")
        wiz.command("@go Echo Lab", r"Echo Lab")
        # The forked and the suspended task both ran after the restart.
        deadline = time.time() + 20
        while True:
            m = wiz.command(";#0.echo_e2e", r"=> (\d+)")
            if m.group(1) == "43":
                break
            assert time.time() < deadline, "saved tasks did not run: #0.echo_e2e = " + m.group(1)
            time.sleep(0.5)
        wiz.close()
        assert server.stop() == 0
    except Exception:
        server.stop(timeout=10)
        raise
    print("e2e LambdaCore: all checks passed")


def play(port):
    a = Client(port, "wizard")
    a.expect(r"connect wizard")
    a.command("connect wizard", r"\*\*\* Connected \*\*\*")
    a.drain()
    a.command("look", r"The Coat Closet|Closet|closet")
    a.drain()

    # A second player, made by the wizard, who connects with a password.
    a.command("@make-player Bob", r"Bob")
    a.drain()
    a.command(";#0.echo_bob = $string_utils:match_player(\"Bob\")", r"=> #\d+")
    a.command(";$wiz_utils:set_player_password(#0.echo_bob, \"pw\") || 0", r"=>")
    a.drain()
    a.command("@dig Echo Lab", r"Echo Lab \(#\d+\) created")
    m = a.command(";$string_utils:match_room(\"Echo Lab\") || #-1", r"=> (#\d+)")
    lab = m.group(1)
    a.command("@dig east to %s" % lab, r"exit|Exit")
    a.drain()
    a.send("east")
    a.expect(r"Echo Lab")
    a.drain()
    a.command("@describe here as \"A room full of humming servers.\"", r"[Dd]escription set")
    a.command("look", r"humming servers")
    a.drain()

    b = Client(port, "bob")
    b.expect(r"connect")
    b.command("connect Bob pw", r"\*\*\* Connected \*\*\*")
    b.drain()
    a.drain()
    b.command("@go %s" % lab, r"Echo Lab")
    a.expect(r"Bob")  # the wizard sees Bob arrive
    a.drain()

    a.command("say hello, Bob", r'You say, "hello, Bob"')
    b.expect(r'Wizard says, "hello, Bob"')
    a.send("emote waves.")
    b.expect(r"Wizard waves\.")
    a.drain()

    a.command("@create $thing named widget", r"You now have widget with object number #\d+")
    a.command("@verb widget:shout this none none rxd", r"Verb added")
    a.send("@program widget:shout")
    a.expect(r"[Nn]ow programming|Enter|program")
    a.send('player:tell("The widget shouts: ", args ? args[1] | "HELLO");')
    a.send('return "shouted";')
    a.send(".")
    a.expect(r"0 errors|Verb programmed|compiled|Method programmed")
    a.drain()
    a.command("shout widget", r"The widget shouts: HELLO")

    a.command("@who", r"Bob")
    a.drain()
    a.command("page Bob Are you there?", r"sent|page")
    b.expect(r"Are you there\?")
    b.command("say yes", r'You say, "yes"')
    a.expect(r'Bob says, "yes"')
    a.drain()
    b.close()
    a.close()


if __name__ == "__main__":
    main()
