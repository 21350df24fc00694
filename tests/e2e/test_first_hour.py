#!/usr/bin/env python3
"""End to end: a new user's first hour in the default world (issue 17).

On a fresh `echo-repl new-world` store, over telnet:
- the world teaches programming: the examples of `help programming` (MOO)
  and `help echo` (Echo) are pasted exactly as printed and answer what the
  help says they answer;
- @verb and @program take a syntax and say which is in use, @list prints a
  verb with its syntax, Echo code sent into a MOO verb gets a hint, and
  @examine and @show print LambdaCore's shapes;
- a wizard makes a player a programmer with @programmer;
- the wizard is told to change the default password, and the welcome stops
  advertising it once it has been changed;
- commands that fail say why: no such object, no exit that way, a mistyped
  login command, @dig to a room name that exists; rooms list their contents
  as a sentence.
Usage: test_first_hour.py ECHO_REPL WORK_DIR
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from moo_client import Client, new_world_server, serving  # noqa: E402


def login(port, name, line, expect=r"\*\*\* (Connected|Created) \*\*\*"):
    c = Client(port, name)
    c.expect(r"create NAME PASSWORD")
    c.command(line, expect)
    return c


def topic(c, name, last):
    """The lines of `help NAME`, whose last line matches `last`."""
    c.drain()
    c.command("help " + name, last)
    return c.consumed


def paste_examples(c, name, last):
    """Types the lines of help topic NAME that start with two spaces, as a
    user pasting them would, and checks the answer the topic promises
    ("... answers: TEXT")."""
    lines = topic(c, name, last)
    examples = [l[2:] for l in lines if l.startswith("  ")]
    promised = [l.split("answers: ", 1)[1] for l in lines if "answers: " in l]
    assert examples and len(promised) == 1, "help %s has no example to paste: %r" % (name, lines)
    for line in examples:
        c.send(line)
    c.expect(r"^%s$" % re.escape(promised[0]))
    errors = [l for l in c.consumed if re.search(r"error|Usage|You see no|don't", l) and l != "0 errors. Verb programmed."]
    assert not errors, "pasting help %s: %r" % (name, errors)


def programming(port):
    w = login(port, "wizard", "connect wizard wizard")
    w.expect(r'^Your password is still "wizard", as in every new world')
    w.expect(r"^Change it now with @password wizard NEW-PASSWORD\.$")
    paste_examples(w, "programming", r"^See also:")
    paste_examples(w, "echo", r"evaluates Echo")
    w.command("help verbs", r"this none none answers rub lamp")
    w.command("help @program", r"^@program OBJ:VERB \[moo\|echo\]")
    w.command("help program", r"^@program OBJ:VERB \[moo\|echo\]")
    w.command("help @list", r"^@list OBJ:VERB")

    # @list prints the verbs as LambdaCore does, with their syntax.
    w.command("@list lamp:rub", r"^#\d+:rub   this none none   \(MOO syntax\)$")
    w.expect(r'^ 1:  player:tell\("The lamp glows warmly\."\);$')
    w.command("@list lamp:count", r"^#\d+:count   this none none   \(Echo syntax\)$")
    w.expect(r"^ 1:  let names = \[\];$")
    w.command("@list lamp:take", r"^Object #\d+ does not define that verb, but its ancestor #\d+ does\.$")
    w.expect(r'^#\d+:"g\*et t\*ake"   this none none')
    w.command("@list lamp:nothing", r"^That object does not define that verb\.$")

    # @program says which syntax it compiles; a syntax word changes it.
    w.command("@verb lamp:shine this none none", r"Program it in MOO with @program lamp:shine\.")
    w.command("@program lamp:shine", r"^Now programming lamp:shine \(#\d+\) in MOO syntax\.$")
    w.send("let n = 2;")
    w.send("if n > 1 { player:tell(\"The lamp shines \", n, \" times.\"); }")
    w.send(".")
    w.expect(r"errors?; the verb is unchanged\.")
    w.expect(r"^That is Echo code, not MOO: to program the verb in Echo, type @program lamp:shine echo$")
    w.command("@list lamp:shine", r"\(MOO syntax\)")  # the hint changed nothing
    w.expect(r"That verb has not been programmed")
    w.command("@program lamp:shine Echo", r"^Now programming lamp:shine \(#\d+\) in Echo syntax\.$")  # any case
    w.send("let n = 2;")
    w.send("if n > 1 { player:tell(\"The lamp shines \", n, \" times.\"); }")
    w.send(".")
    w.expect(r"^0 errors\. Verb programmed\.$")
    w.command("shine lamp", r"^The lamp shines 2 times\.$")
    # MOO code that does not compile in MOO gets no Echo hint.
    w.command("@program lamp:rub", r"in MOO syntax")
    w.send("return 1 +;")
    w.send(".")
    w.expect(r"1 error; the verb is unchanged\.")
    w.command("rub lamp", r"The lamp glows warmly\.")
    assert not any("Echo code" in l for l in w.consumed), w.consumed

    # @examine (anyone) and @show (programmers), in LambdaCore's shapes.
    w.command("@describe lamp as A brass lamp.", r"Description set\.")
    w.command("@examine lamp", r"^lamp \(#\d+\) is owned by Wizard \(#3\)\.$")
    w.expect(r"^Aliases:  lamp$")
    w.expect(r"^A brass lamp\.$")
    w.expect(r"^Obvious Verbs:$")
    w.expect(r"^  rub lamp$")
    w.command("@show lamp", r"^Object ID:  #\d+$")
    w.expect(r"^Name:       lamp$")
    w.expect(r"^Parent:     generic thing \(#\d+\)$")
    w.expect(r"^Owner:      Wizard \(#3\)$")
    w.expect(r"^Verb definitions:$")
    w.expect(r"^    rub$")
    w.expect(r'^    description: "A brass lamp\."$')
    return w


def programmers(port, w):
    a = login(port, "alice", "create Alice secret")
    a.command("@create $thing named kettle", r"You now have kettle")
    a.command("@verb kettle:boil this none none", r"You need to be a programmer.*help @programmer")
    a.command("help @programmer", r"^@programmer NAME")
    a.command("@programmer Alice", r"Only a wizard can make programmers")
    w.command("@programmer nobody", r"There is no player named nobody\.")
    w.command("@programmer alice", r"^Alice \(#\d+\) is now a programmer\.$")
    a.expect(r"^You are now a programmer\. Type help programming to begin\.$")
    w.command("@programmer alice", r"^Alice \(#\d+\) is already a programmer\.\.\.$")
    a.command("@verb kettle:boil this none none echo", r"Program it in Echo with @program kettle:boil\.")
    a.command("@program kettle:boil", r"in Echo syntax")
    a.send('player:tell("The kettle whistles.");')
    a.send(".")
    a.expect(r"0 errors\. Verb programmed\.")
    a.command("boil kettle", r"^The kettle whistles\.$")
    a.command("@show kettle", r"^Owner:      Alice")
    a.close()


def passwords(port, w):
    """Once the wizard's password has been changed, the welcome no longer
    shows it, nor does the wizard's login ask for the change."""
    w.command("@password wizard sesame", r"Password changed\.")
    w.command("@quit", r"Goodbye\.")
    w.close()
    y = Client(port, "after the change")
    y.command("", r"Once in, type help")  # an empty line shows the welcome again
    y.drain()
    assert not any("wizard wizard" in l for l in y.consumed + y.lines), y.consumed
    y.command("connect wizard wizard", r"different password")
    y.command("connect wizard sesame", r"\*\*\* Connected \*\*\*")
    y.expect(r"^Exits: north, east, down\.$")
    later = y.drain()
    assert not any("still" in l for l in later), later
    return y


def messages(port, w):
    x = Client(port, "typo")
    x.expect(r"create NAME PASSWORD")
    x.command("conect wizard sesame", r"^There is no conect command before you log in: type connect NAME PASSWORD")
    x.close()

    w.command("look", r"^You see a brass plaque here\.$")  # an article, as a sentence
    w.command("look unicorn", r"^You see no unicorn here\.$")
    w.command("take unicorn", r"^You see no unicorn here\.$")
    w.command("rub unicorn", r"^You see no unicorn here\.$")
    w.command("west", r"^You can't go west from here\.$")
    w.command("go sideways", r"^You can't go sideways from here\.$")
    w.command("dance", r"^I don't understand that\.")
    w.command("frob me:greet", r"^I don't understand that\.")  # not a name
    w.command("let x = 1;", r"To run code, start the line with ; for an expression or ;; for statements\.")

    w.command("@dig Attic", r"^Attic \((#\d+)\) created\.$")
    attic = w.consumed[-1].split("(")[1].split(")")[0]
    w.command("@dig Attic", r"^There is already a room called Attic \(%s\); no new room was made\." % attic)
    w.command("@dig up,u to attic", r"^Using the room Attic \(%s\), which already exists\.$" % attic)
    w.expect(r"^Exit from The First Room \(#2\) to Attic \(%s\)" % attic)
    w.command("up", r"^Attic$")


def main():
    repl, work = sys.argv[1], sys.argv[2]
    with serving(new_world_server(repl, work, "first-hour")) as server:
        w = programming(server.port)
        programmers(server.port, w)
        w = passwords(server.port, w)
        messages(server.port, w)
        w.close()
    print("e2e first hour: all checks passed")


if __name__ == "__main__":
    main()
