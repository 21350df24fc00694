// exec(command [, input [, environment]]) (ToastStunt's exec.cc): runs a
// program from the executables directory (ToastStunt's executables/;
// set_executables_directory()), wizards only, and answers {exit status,
// output, errors}, the last two as binary strings.
//
// The program is started directly (posix_spawn, never a shell), with the
// arguments as given and an environment of PATH=/bin:/usr/bin and the
// strings of `environment`. `input` (a binary string) is written to its
// standard input, which is then closed. The task suspends meanwhile, as in
// ToastStunt, on a thread of its own (BuiltinContext::in_background, even
// with set_thread_mode(0): a program can run for minutes), and kill_task()
// of the task kills the program (kill_exec()).
//
// A path may not be empty, begin with "/" or "..", or hold "/." or "./"
// (ToastStunt's rule); Echo also refuses one that a symlink takes outside
// the directory.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "lang/builtins/helpers.h"
#include "lang/vm.h"
#include "lang/world/world.h"

namespace echo {

namespace {

bi::DirectorySetting g_exec_root{"executables"};
std::mutex g_exec_mu;  // the running programs
std::map<int64_t, pid_t> g_running;  // task id -> its program

}  // namespace

void set_executables_directory(std::string dir) { g_exec_root.set(std::move(dir)); }
std::string executables_directory() { return g_exec_root.get(); }

void kill_exec(int64_t task_id) {
  std::lock_guard lock(g_exec_mu);
  auto it = g_running.find(task_id);
  if (it != g_running.end()) kill(-it->second, SIGKILL);
}

void kill_all_exec() {
  std::lock_guard lock(g_exec_mu);
  for (auto& [task, pid] : g_running) kill(-pid, SIGKILL);
}

}  // namespace echo

namespace echo::bi {

namespace {

struct Pipe {
  int fd[2] = {-1, -1};
  ~Pipe() {
    for (int f : fd)
      if (f >= 0) close(f);
  }
  void close_end(int i) {
    if (fd[i] >= 0) close(fd[i]);
    fd[i] = -1;
  }
};

// Runs the program to its end: {status, output, errors}. On this thread
// (a background one while serving).
Value run_program(int64_t task_id, const std::string& path, std::vector<std::string> argv_s,
                  std::vector<std::string> env_s, std::string input, size_t max_output) {
  Pipe in, out, err;
  if (pipe2(in.fd, O_CLOEXEC) != 0 || pipe2(out.fd, O_CLOEXEC) != 0 || pipe2(err.fd, O_CLOEXEC) != 0)
    raise(E_EXEC, std::strerror(errno));
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in.fd[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&fa, out.fd[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&fa, err.fd[1], STDERR_FILENO);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // The server ignores SIGPIPE; the program gets the default back.
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  // A process group of its own, so that kill_task() ends what it started too.
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP);
  std::vector<char*> argv, envp;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = 0;
  int rc;
  {
    std::lock_guard lock(g_exec_mu);  // registered before kill_task() can look
    rc = posix_spawn(&pid, path.c_str(), &fa, &attr, argv.data(), envp.data());
    if (rc == 0) g_running[task_id] = pid;
  }
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) raise(E_EXEC, std::strerror(rc));
  in.close_end(0);
  out.close_end(1);
  err.close_end(1);
  // Written to only as far as the pipe has room: poll() says there is some,
  // not how much.
  fcntl(in.fd[1], F_SETFL, fcntl(in.fd[1], F_GETFL) | O_NONBLOCK);
  // Input and output at once, so that a program that writes before it has
  // read all of its input cannot block on a full pipe.
  std::string got[2];
  size_t written = 0;
  if (input.empty()) in.close_end(1);
  while (out.fd[0] >= 0 || err.fd[0] >= 0) {
    pollfd p[3];
    int n = 0;
    if (in.fd[1] >= 0) p[n++] = {in.fd[1], POLLOUT, 0};
    if (out.fd[0] >= 0) p[n++] = {out.fd[0], POLLIN, 0};
    if (err.fd[0] >= 0) p[n++] = {err.fd[0], POLLIN, 0};
    if (poll(p, nfds_t(n), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < n; ++i) {
      if (!p[i].revents) continue;
      if (p[i].fd == in.fd[1]) {
        ssize_t w = write(in.fd[1], input.data() + written, input.size() - written);
        if (w > 0) written += size_t(w);
        if ((w < 0 && errno != EAGAIN && errno != EINTR) || written == input.size())
          in.close_end(1);  // all written, or EPIPE: it stopped reading
        continue;
      }
      int which = p[i].fd == out.fd[0] ? 0 : 1;
      char buf[4096];
      ssize_t r = read(p[i].fd, buf, sizeof buf);
      if (r > 0 && got[which].size() + size_t(r) <= max_output) {
        got[which].append(buf, size_t(r));
      } else if (r > 0) {
        kill(-pid, SIGKILL);  // more than a string may hold
      } else if (r == 0 || errno != EINTR) {
        (which == 0 ? out : err).close_end(0);
      }
    }
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  {
    std::lock_guard lock(g_exec_mu);
    g_running.erase(task_id);
  }
  int64_t code = WIFEXITED(status) ? WEXITSTATUS(status) : 0;  // ToastStunt's WEXITSTATUS
  return make_list({integer(code), Value::str(raw_to_binary(got[0])), Value::str(raw_to_binary(got[1]))});
}

Value bf_exec(BuiltinContext& ctx, std::span<Value> a) {
  const ListObj* cmd = a[0].list_obj();
  if (cmd->len == 0) raise(E_INVARG);
  std::vector<std::string> argv;
  for (uint32_t i = 0; i < cmd->len; ++i) {
    if (!cmd->items()[i].is_str()) raise(E_INVARG);
    argv.emplace_back(cmd->items()[i].as_str());
  }
  const std::string& name = argv[0];
  if (name.empty() || name[0] == '/' || (name.size() > 1 && name[0] == '.' && name[1] == '.') ||
      name.find("/.") != std::string::npos || name.find("./") != std::string::npos ||
      name.find('\0') != std::string::npos)
    raise(E_INVARG, "Invalid path");
  std::vector<std::string> env = {"PATH=/bin:/usr/bin"};
  if (a.size() >= 3) {
    const ListObj* e = a[2].list_obj();
    for (uint32_t i = 0; i < e->len; ++i) {
      if (!e->items()[i].is_str()) raise(E_INVARG);
      env.emplace_back(e->items()[i].as_str());
    }
  }
  std::string input;
  if (a.size() >= 2) {
    // A ~00 would have been cut short in ToastStunt's C string: E_INVARG.
    if (!binary_to_raw(a[1].as_str(), &input) || input.find('\0') != std::string::npos) raise(E_INVARG);
  }
  for (auto& s : argv)
    if (s.find('\0') != std::string::npos) raise(E_INVARG);
  for (auto& s : env)
    if (s.find('\0') != std::string::npos) raise(E_INVARG);
  if (!ctx.wizard()) raise(E_PERM);
  std::string root = executables_directory();
  std::string path = root + "/" + name;
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) raise(E_INVARG, "Does not exist");
  if (!S_ISREG(st.st_mode)) raise(E_INVARG, "Is not a file");
  std::string root_real = real_path(root);
  if (root_real.empty() || !path_within(real_path(path), root_real)) raise(E_INVARG, "Invalid path");
  // A program's effects cannot be taken back: run alone, not speculatively.
  if (ctx.world) static_cast<World*>(ctx.world)->exclusive_only("exec()");
  int64_t task_id = ctx.task ? ctx.task->id() : -1;
  // Each of the output and the errors may be as long as a string may be.
  size_t max_output = value_limits().max_string > 0 ? size_t(value_limits().max_string) : SIZE_MAX;
  std::string label = "executables/" + name;  // queued_tasks() shows it, as ToastStunt's
  return ctx.in_background(
      [task_id, path, argv = std::move(argv), env = std::move(env), input = std::move(input), max_output]() mutable {
        return run_program(task_id, path, std::move(argv), std::move(env), std::move(input), max_output);
      },
      /*always=*/true, std::move(label));
}

}  // namespace

void register_exec_builtins(Builtins& b) { b.add({"exec", 1, 3, {ArgType::List, ArgType::Str, ArgType::List}, bf_exec}); }

}  // namespace echo::bi
