/* The steps of making Echo's default world that object files cannot say:
 * `echo-repl new-world` runs this once, as the wizard (#3), after loading
 * the object files (see config/CMakeLists.txt). */

/* Players may make rooms and things of their own: create() needs a fertile
 * parent. (Exits are made by @dig, which runs as the wizard.) */
$room.f = 1;
$thing.f = 1;

/* The wizard logs in with `connect wizard wizard` until they use @password. */
#3.password = crypt("wizard");

/* Each thing in its place. */
move($plaque, $player_start);
move($book, $library);
move($rose, $garden);
move($crate, $cellar);
