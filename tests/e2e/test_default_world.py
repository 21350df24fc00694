#!/usr/bin/env python3
"""End to end: the embedded default world on a real Echo server.

Makes a store with `echo-repl new-world`, starts `echo-repl serve` on it and
plays it with two telnet clients, the wizard and a player made with
`create NAME PASSWORD`: look, say, emote, take/drop, inventory, walking
through exits (each sees the other leave and arrive), @create, @dig,
@describe, @verb + @program (ended by "."), a compile error from @program
reported with its line, @who, page, help. Then it stops the server (SIGTERM),
starts it again and checks that the changes persisted.
Usage: test_default_world.py ECHO_REPL WORK_DIR
"""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from moo_client import Client, ServerProcess  # noqa: E402


def login(port, name, line, expect=r"\*\*\* Connected \*\*\*"):
    c = Client(port, name)
    c.expect(r"connect wizard wizard")  # the welcome says how to log in
    c.command(line, expect)
    return c


def main():
    repl, work = sys.argv[1], sys.argv[2]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    store = os.path.join(work, "default.db")
    log = os.path.join(work, "server.log")
    out = subprocess.run([repl, "new-world", store], check=True, capture_output=True, text=True).stdout
    assert "new-world: wrote" in out, out
    # A second run refuses to replace it; --overwrite does.
    again = subprocess.run([repl, "new-world", store], capture_output=True, text=True)
    assert again.returncode == 1 and "--overwrite" in again.stderr, again
    subprocess.run([repl, "new-world", store, "--overwrite"], check=True, stdout=subprocess.DEVNULL)

    server = ServerProcess(repl, store, log)
    try:
        play(server.port)
        rc = server.stop()
        assert rc == 0, "server exited with %d" % rc
    except Exception:
        print("server exit status: %r" % server.proc.poll(), file=sys.stderr)
        server.stop(timeout=10)
        raise

    server = ServerProcess(repl, store, log)
    try:
        after_restart(server.port)
        assert server.stop() == 0
    except Exception:
        print("server exit status: %r" % server.proc.poll(), file=sys.stderr)
        server.stop(timeout=10)
        raise
    print("e2e default world: all checks passed")


def play(port):
    # Bad logins are refused; the wizard's password is "wizard".
    x = Client(port, "stranger")
    x.expect(r"create NAME PASSWORD")
    x.command("connect wizard nope", r"Either that player does not exist, or has a different password")
    x.command("connect nobody", r"Either that player does not exist")
    x.close()

    a = login(port, "wizard", "connect wizard wizard")
    a.expect(r"^The First Room$")  # user_connected shows the room
    a.expect(r"Exits: north, east, down\.")
    a.drain()

    b = login(port, "alice", "create Alice secret", r"\*\*\* Created \*\*\*")
    b.expect(r"^The First Room$")
    b.expect(r"Wizard is here\.")
    a.expect(r"Alice has connected\.")
    b.drain()
    a.drain()
    c = Client(port, "copycat")
    c.expect(r"connect")
    c.command("create alice other", r"The name alice is taken")
    c.close()

    # look, and looking at things.
    a.command("look", r"^The First Room$")
    a.expect(r"whitewashed walls")
    a.expect(r"You see a brass plaque here\.")
    a.expect(r"Alice is here\.")
    a.command("l plaque", r"It reads: Welcome!")
    a.command("look at me", r"imposing figure")
    a.command("look north", r"north leads to The Library\.")
    a.command("look unicorn", r"You see no unicorn here\.")

    # say and emote, both ways, with the parser's " and : shortcuts.
    a.command("say hello, Alice", r'You say, "hello, Alice"')
    b.expect(r'Wizard says, "hello, Alice"')
    b.command('"hi there', r'You say, "hi there"')
    a.expect(r'Alice says, "hi there"')
    a.command("emote waves.", r"Wizard waves\.")
    b.expect(r"Wizard waves\.")
    b.command(":'s eyes twinkle.", r"Alice's eyes twinkle\.")
    a.expect(r"Alice's eyes twinkle\.")

    # take, inventory, drop.
    b.command("take plaque", r"You take brass plaque\.")
    a.expect(r"Alice takes brass plaque\.")
    b.command("inventory", r"You are carrying:")
    b.expect(r"brass plaque \(#\d+\)")
    b.command("drop plaque", r"You drop brass plaque\.")
    a.expect(r"Alice drops brass plaque\.")
    b.command("i", r"You are empty-handed\.")

    # Walking: each sees the other leave and arrive.
    b.command("north", r"You go north\.")
    b.expect(r"^The Library$")
    b.expect(r"Shelves of old books")
    a.expect(r"Alice goes north\.")
    a.command("n", r"You go north\.")
    b.expect(r"Wizard arrives from The First Room\.")
    a.expect(r"Alice is here\.")
    b.command("go south", r"^The First Room$")
    a.expect(r"Alice goes south\.")
    a.command("s", r"^The First Room$")
    b.expect(r"Wizard arrives from The Library\.")
    a.command("dance", r"I don't understand that\.")
    a.drain()
    b.drain()

    # Building as a new player: a thing of one's own, described; a room.
    pot = b.command("@create $thing named teapot,pot",
                    r"You now have teapot with object number (#\d+) and parent generic thing").group(1)
    b.command('@describe pot as "A chipped brown teapot."', r"Description set\.")
    b.command("look teapot", r"A chipped brown teapot\.")
    b.command("@dig Attic", r"Attic \((#\d+)\) created\.")
    b.command("@describe here as Mine.", r"You don't own The First Room\.")
    b.command("@dig up to Attic", r"You can only dig exits from rooms you own\.")
    b.command("@verb pot:pour", r"You need to be a programmer")

    # Building as the wizard: a room with exits both ways, described.
    lab = a.command("@dig west,w|east,e to Echo Lab", r"Echo Lab \((#\d+)\) created\.").group(1)
    a.expect(r"Exit from The First Room \(#2\) to Echo Lab \(%s\) created with id #\d+\." % lab)
    a.expect(r"Exit from Echo Lab \(%s\) to The First Room \(#2\) created with id #\d+\." % lab)
    a.command("look", r"Exits: north, east, down, west\.")
    a.command("west", r"^Echo Lab$")
    b.expect(r"Wizard goes west\.")
    a.command('@describe here as "A room full of humming servers."', r"Description set\.")
    a.command("look", r"humming servers")

    # @verb and @program: the code ends with "."; then run the verb.
    a.command("@create $thing named widget", r"You now have widget with object number #\d+")
    a.command("@verb widget:shout this none none rxd", r"Verb added: widget:shout \(this none none\)\.")
    a.command("@program widget:shout", r"Now programming widget:shout")
    a.expect(r"end with a period")
    a.send('player:tell("The widget shouts: ", args ? args[1] | "HELLO");')
    a.send('player.location:announce("The widget rattles.");')
    a.send(".")
    a.expect(r"0 errors\. Verb programmed\.")
    a.command("shout widget", r"The widget shouts: widget")

    # A compile error names its line, and the verb keeps its old code.
    a.command("@program widget:shout", r"Now programming widget:shout")
    a.send("x = 1;")
    a.send("return x +;")
    a.send(".")
    a.expect(r"^Line 2\b.*")
    a.expect(r"1 error; the verb is unchanged\.")
    a.command("shout widget", r"The widget shouts: widget")
    a.command("@program widget:nothing", r"widget has no verb nothing")

    # eval for programmers, not for players.
    a.command(";1 + 2", r"=> 3")
    a.command(";;return player.name;", r'=> "Wizard"')
    b.command(";1 + 2", r"I don't understand that\.")

    # @who, page, help.
    a.command("@who", r"^Player\s+Connected\s+Idle\s+Location")
    a.expect(r"^(Wizard|Alice) \(#\d+\)")
    a.expect(r"^(Wizard|Alice) \(#\d+\)")
    a.expect(r"2 players are connected\.")
    b.command("page wiz Are you in the lab?", r"Your message has been sent to Wizard\.")
    a.expect(r'Alice pages, "Are you in the lab\?"')
    a.command("page alice with yes", r"Your message has been sent to Alice\.")
    b.expect(r'Wizard pages, "yes"')
    a.command("page nobody hi", r"There is no player named nobody\.")
    b.command("help", r"^look \[THING\]")
    b.expect(r"^help \[COMMAND\|TOPIC\]")
    b.command("help dig", r"^@dig ROOM")
    b.command("help frobnicate", r"There is no help on frobnicate")

    # The lab's description and the widget must survive the restart; Alice
    # leaves with her teapot.
    a.command("east", r"^The First Room$")
    b.expect(r"Wizard arrives from Echo Lab\.")
    b.command("@quit", r"Goodbye\.")
    b.expect(r"\*\*\* Disconnected \*\*\*")
    a.expect(r"Alice has disconnected\.")
    a.command("west", r"^Echo Lab$")
    a.close()
    b.close()
    globals()["POT"] = pot


def after_restart(port):
    a = login(port, "wizard again", "connect Wizard wizard")
    a.expect(r"^Echo Lab$")  # still in the lab, which kept its description
    a.expect(r"humming servers")
    a.drain()
    a.command("inventory", r"widget \(#\d+\)")
    a.command("shout widget", r"The widget shouts: widget")  # the verb survived
    a.command("east", r"^The First Room$")

    b = login(port, "alice again", "connect alice secret")
    b.expect(r"^The First Room$")
    a.expect(r"Alice has connected\.")
    b.command("inventory", r"teapot \(%s\)" % POT)
    b.command("look pot", r"A chipped brown teapot\.")
    b.command("@password secret sesame", r"Password changed\.")
    b.close()
    c = Client(port, "alice, new password")
    c.expect(r"connect")
    c.command("connect alice secret", r"different password")
    c.command("connect alice sesame", r"\*\*\* Connected \*\*\*")
    c.close()
    a.close()


if __name__ == "__main__":
    main()
