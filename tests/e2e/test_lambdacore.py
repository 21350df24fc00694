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
        # Tasks that must survive a restart: a fork, a suspended task and a
        # task waiting in read() (which must wake with an error).
        wiz = Client(server.port, "wizard")
        wiz.expect(r"connect wizard")
        wiz.command("connect wizard", r"\*\*\* Connected \*\*\*")
        wiz.drain()
        wiz.command(';;add_property(#0, "echo_e2e", 0, {player, "rw"}); '
                    'add_property(#0, "echo_read", 0, {player, "rw"}); return "props";', r'"props"')
        # A listen() in #0:server_started (as enCore's web server does): it
        # waits for the network thread while the runtime is starting.
        wiz.command(';;add_property(#0, "echo_port", 0, {player, "rw"}); '
                    'set_verb_code(#0, "server_started", {@verb_code(#0, "server_started"), '
                    '"#0.echo_port = listen(#0, 0);"}); return "listening";', r'"listening"')
        wiz.command(";;fork (5) #0.echo_e2e = #0.echo_e2e + 40; endfork return \"forked\";", r'"forked"')
        wiz.send(";;suspend(5); #0.echo_e2e = #0.echo_e2e + 3; return \"woke\";")
        time.sleep(0.3)
        wiz.send(";;#0.echo_read = `read() ! ANY'; return \"read\";")
        time.sleep(0.3)
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
        wiz.expect(r"humming servers")  # still in the lab, which kept its description
        wiz.drain()
        wiz.command("shout widget", r"The widget shouts: widget")  # the verb survived
        deadline = time.time() + 20
        while True:
            m = wiz.command(";#0.echo_e2e", r"=> (\d+)")
            if m.group(1) == "43":
                break
            assert time.time() < deadline, "saved tasks did not run: #0.echo_e2e = " + m.group(1)
            time.sleep(0.5)
        wiz.command(";#0.echo_read", r"=> E_INVARG")
        port = int(wiz.command(";#0.echo_port", r"=> (\d+)").group(1))
        assert port > 0 and port != server.port, port
        wiz.command(";listeners()", r"=> \{\{#0, %d, 0\}, \{#0, %d, 1\}\}" % (port, server.port))
        wiz.close()
        second = Client(port, "second port")
        second.expect(r"connect wizard")  # #0's welcome: its do_login_command heard the connection
        second.command("connect wizard", r"humming servers")  # logged in: user_connected looked
        assert not any("*** Connected ***" in l for l in second.consumed), second.consumed
        second.close()
        assert server.stop() == 0
    except Exception:
        server.stop(timeout=10)
        raise
    print("e2e LambdaCore: all checks passed")


def play(port):
    a = Client(port, "wizard")
    a.expect(r"connect wizard")  # the welcome text
    a.command("connect wizard", r"\*\*\* Connected \*\*\*")
    a.drain()
    a.command("look", r"The First Room")
    a.drain()
    lab = a.command("@dig Echo Lab", r"Echo Lab \((#\d+)\) created\.").group(1)
    a.command("@dig east to %s" % lab, r"Exit from The First Room .* to Echo Lab .* created with id #\d+")
    pw = a.command("@make-player Bobby bobby@example.com", r"Bobby \(#\d+\) created with password `([^']*)'").group(1)
    a.drain()

    b = Client(port, "bobby")
    b.expect(r"connect")
    b.command("connect Bobby %s" % pw, r"\*\*\* Connected \*\*\*")
    b.expect(r"The First Room")
    b.drain()
    a.drain()

    # Each sees the other's actions.
    a.command("say hello, Bobby", r'You say, "hello, Bobby"')
    b.expect(r'Wizard says, "hello, Bobby"')
    a.command("emote waves.", r"Wizard waves\.")
    b.expect(r"Wizard waves\.")
    b.command("say hi", r'You say, "hi"')
    a.expect(r'Bobby says, "hi"')

    # Build: a thing with a verb programmed through @program's read() loop.
    a.command("@create $thing named widget", r"You now have widget with object number #\d+")
    a.command("@verb widget:shout this none none rxd", r"Verb added")
    a.command("@program widget:shout", r"Now programming widget:shout")
    a.expect(r"Type lines of input")
    a.send('player:tell("The widget shouts: ", args ? args[1] | "HELLO");')
    a.send('return "shouted";')
    a.send(".")
    a.expect(r"0 errors\.")
    a.expect(r"Verb programmed\.")
    a.command("shout widget", r"The widget shouts: widget")
    a.drain()
    b.drain()

    # Walk through the new exit and describe the room.
    a.command("east", r"Echo Lab")
    b.expect(r"Wizard")  # Bobby sees the wizard leave
    a.command('@describe here as "A room full of humming servers."', r"Description set\.")
    a.command("look", r"humming servers")
    a.drain()
    b.drain()
    b.command("east", r"humming servers")
    a.expect(r"Bobby")  # the wizard sees Bobby arrive
    a.drain()

    a.command("@who", r"Bobby \(#\d+\)")
    a.drain()
    a.command("page Bobby Are you there?", r"Your message has been sent\.")
    b.expect(r"Are you there\?")
    b.drain()
    b.close()
    a.close()


if __name__ == "__main__":
    main()
