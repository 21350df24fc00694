#include "actors/server.h"

#include "actors/runtime_impl.h"

namespace echo::actors {

std::atomic<bool> Runtime::signal_flag_{false};

std::atomic<bool> Runtime::checkpoint_flag_{false};

void Runtime::signal_shutdown() { signal_flag_.store(true); }
void Runtime::signal_checkpoint() { checkpoint_flag_.store(true); }

Server::Server(ServerOptions options) : rt_(std::make_unique<Runtime>(std::move(options))) {}
Server::~Server() = default;

void Server::start() { rt_->start(); }
void Server::wait(const std::function<void()>& before_close) { rt_->wait(before_close); }
void Server::request_shutdown(const std::string& why) { rt_->request_shutdown(why); }
void Server::signal_shutdown() { Runtime::signal_shutdown(); }
void Server::signal_checkpoint() { Runtime::signal_checkpoint(); }
caf::actor_system& Server::system() { return rt_->system(); }
SessionPort Server::sessions() { return rt_->sessions(); }
WebPort Server::web() { return WebPort{rt_.get()}; }
Runtime& Server::runtime() { return *rt_; }

}  // namespace echo::actors
