// Bytecode to native code: the first tier. The only file that includes LLVM.
//
// One LLVM function per program (its main vector), `uint32_t f(NativeFrame*)`.
// Every register an instruction compiled here touches gets a shadow: two
// allocas (type tag, 64-bit payload) loaded from the frame's registers on
// entry, which LLVM's mem2reg turns into SSA values in machine registers.
// Native code itself only ever writes INT, FLOAT and other non-heap values
// into a shadow, and only over a non-heap value (a heap value there is
// released in memory first, by a call), so a shadow that holds a heap value
// is exactly what memory holds, and writing the shadows back on exit needs
// no reference counting. Strings, lists and copies of heap values go
// through calls into the runtime (lang/jit/runtime.h) with the shadows
// stored before and loaded after.
//
// Each instruction first pays its ticks exactly as the interpreter's NEXT()
// does (leaving before it when the slice cannot pay), then checks the types
// of its operands; anything else -- another type, an error to raise, an
// instruction this tier does not run -- leaves for the interpreter at that
// instruction with nothing of it done, so the interpreter raises the same
// error with the same traceback and the same tick count.
#include "lang/jit/codegen.h"

#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/ThreadSafeModule.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/MDBuilder.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Transforms/InstCombine/InstCombine.h>
#include <llvm/Transforms/Scalar.h>
#include <llvm/Transforms/Scalar/GVN.h>

#include <cstdlib>
#include <cstring>
#include <mutex>

#include "lang/bytecode.h"
#include "lang/jit/codegen.h"
#include "lang/jit/runtime.h"

namespace echo::jit {

namespace {

// What the generated code and the compiler call back into, given with each
// compile (see lang/jit/codegen.h): the module links no symbol of the
// executable.
const CodegenHooks* hooks = nullptr;

using llvm::BasicBlock;
using llvm::IRBuilder;
using LV = llvm::Value;

constexpr uint8_t kInt = uint8_t(Type::Int), kFloat = uint8_t(Type::Float), kNone = uint8_t(Type::None);
constexpr uint32_t kHeapMask = (1u << unsigned(Type::Str)) | (1u << unsigned(Type::List)) |
                               (1u << unsigned(Type::Map)) | (1u << unsigned(Type::Func)) |
                               (1u << unsigned(Type::Cell));
static_assert(sizeof(Value) == 16, "the shadows assume a 16-byte Value: payload at 0, type at 8");

// An operand: its type tag (i8) and payload (i64), loaded from a shadow or
// known constants.
struct Opnd {
  LV* tag;
  LV* val;
};

bool is_k(Op op) {
  switch (op) {
    case Op::ADDK: case Op::SUBK: case Op::MULK: case Op::DIVK: case Op::MODK:
    case Op::EQK: case Op::NEK: case Op::LTK: case Op::LEK: case Op::GTK: case Op::GEK:
      return true;
    default: return false;
  }
}
bool is_cmpjump_k(Op op) {
  switch (op) {
    case Op::JLTK: case Op::JLEK: case Op::JGTK: case Op::JGEK: case Op::JEQK: case Op::JNEK: return true;
    default: return false;
  }
}
// The operator of an arithmetic or comparison opcode, its K forms folded in.
Op base_op(Op op) {
  switch (op) {
    case Op::ADDK: return Op::ADD;
    case Op::SUBK: case Op::SUBKR: return Op::SUB;
    case Op::MULK: return Op::MUL;
    case Op::DIVK: case Op::DIVKR: return Op::DIV;
    case Op::MODK: case Op::MODKR: return Op::MOD;
    case Op::EQK: case Op::JEQ: case Op::JEQK: return Op::EQ;
    case Op::NEK: case Op::JNE: case Op::JNEK: return Op::NE;
    case Op::LTK: case Op::JLT: case Op::JLTK: return Op::LT;
    case Op::LEK: case Op::JLE: case Op::JLEK: return Op::LE;
    case Op::GTK: case Op::JGT: case Op::JGTK: return Op::GT;
    case Op::GEK: case Op::JGE: case Op::JGEK: return Op::GE;
    default: return op;
  }
}
bool numeric_const(const Value& k) { return k.is_int() || k.is_float(); }

// Whether this tier runs the instruction (else it is left for the
// interpreter), and which registers it reads and writes.
struct Use {
  bool native = false;
  bool helper = false;  // its other cases go to run_op (lang/jit/runtime.h)
  std::vector<uint16_t> regs;    // read or written
  std::vector<uint16_t> writes;  // written
};

Use classify(const Program& p, const Instr& in) {
  Use u;
  auto k = [&](uint16_t i) -> const Value& { return p.constants.at(i); };
  auto rw = [&](std::initializer_list<uint16_t> reads, std::initializer_list<uint16_t> writes) {
    u.native = true;
    u.regs.assign(reads);
    u.regs.insert(u.regs.end(), writes);
    u.writes.assign(writes);
  };
  // Instructions run by run_op alone: their registers are shadowed (and
  // reloaded after the call), none written by native code.
  auto by_helper = [&](std::initializer_list<uint16_t> regs) {
    u.native = u.helper = true;
    u.regs.assign(regs);
  };
  switch (in.op) {
    case Op::NOP: case Op::JMP: u.native = true; break;
    case Op::MOVE: case Op::MOVEV: rw({in.b}, {in.a}); break;
    case Op::LOADK:
      if (!k(in.b).is_heap()) rw({}, {in.a});
      else by_helper({in.a});
      break;
    case Op::INDEX: by_helper({in.a, in.b, in.c}); break;
    case Op::INDEXK: case Op::INDEX_LAST: by_helper({in.a, in.b}); break;
    case Op::LIST_APPEND: case Op::SELF_APPEND: by_helper({in.a, in.b}); break;
    case Op::MAKELIST:
      if (in.c == 0) by_helper({in.a});
      break;
    case Op::CHECK_LIST: rw({in.a}, {}); break;
    case Op::LOADI: rw({}, {in.a}); break;
    case Op::CHECKVAR: case Op::JMPF: case Op::JMPT: case Op::JMPBIT: rw({in.a}, {}); break;
    case Op::ADD: case Op::SUB: case Op::MUL: case Op::DIV: case Op::MOD:
    case Op::EQ: case Op::NE: case Op::LT: case Op::LE: case Op::GT: case Op::GE:
    case Op::BITAND: case Op::BITOR: case Op::BITXOR: case Op::SHL: case Op::SHR:
      rw({in.b, in.c}, {in.a});
      break;
    case Op::ADDK: case Op::EQK: case Op::NEK:  // any constant: run_op does strings
      rw({in.b}, {in.a});
      break;
    case Op::SUBK: case Op::MULK: case Op::DIVK: case Op::MODK:
    case Op::LTK: case Op::LEK: case Op::GTK: case Op::GEK:
      if (numeric_const(k(in.c))) rw({in.b}, {in.a});
      break;
    case Op::SUBKR: case Op::DIVKR: case Op::MODKR:
      if (numeric_const(k(in.b))) rw({in.c}, {in.a});
      break;
    case Op::NOT: case Op::TRUTH: rw({in.b}, {in.a}); break;
    case Op::JLT: case Op::JLE: case Op::JGT: case Op::JGE: case Op::JEQ: case Op::JNE:
      rw({in.a, in.b}, {});
      break;
    case Op::JEQK: case Op::JNEK: rw({in.a}, {}); break;
    case Op::JLTK: case Op::JLEK: case Op::JGTK: case Op::JGEK:
      if (numeric_const(k(in.b))) rw({in.a}, {});
      break;
    case Op::FOR_RANGE_INIT: rw({in.b, uint16_t(in.b + 1)}, {in.a}); break;
    case Op::FOR_RANGE_NEXT: rw({uint16_t(in.b + 1)}, {in.a, in.b}); break;
    default: break;
  }
  if (u.native && hooks->has_helper(in.op)) u.helper = true;
  return u;
}

bool is_jump(const Instr& in) {
  switch (in.op) {
    case Op::JMP: case Op::JMPF: case Op::JMPT: case Op::JMPBIT: case Op::FOR_RANGE_INIT:
    case Op::FOR_RANGE_NEXT: case Op::JLT: case Op::JLTK: case Op::JLE: case Op::JLEK: case Op::JGT:
    case Op::JGTK: case Op::JGE: case Op::JGEK: case Op::JEQ: case Op::JEQK: case Op::JNE: case Op::JNEK:
      return true;
    default: return false;
  }
}

// Whether native code would run a loop of p's for longer than one
// iteration: false when p has loops and every one of them holds an
// instruction native code leaves for (a builtin, a verb call, a map
// assignment): such loops leave and come back every iteration, which
// costs more than it saves, and compiling them costs the background
// thread 20-250 ms. Programs without loops are worth it (hot verbs).
bool worth_compiling(const Program& p) {
  const std::vector<Instr>& v = p.main.code;
  bool loops = false;
  for (size_t j = 0; j < v.size(); ++j) {
    if (!is_jump(v[j]) || v[j].d > j) continue;
    loops = true;
    bool leaves = false;
    for (size_t pc = v[j].d; pc <= j && !leaves; ++pc) leaves = !classify(p, v[pc]).native;
    if (!leaves) return true;
  }
  return !loops;
}

class Gen {
 public:
  Gen(llvm::LLVMContext& c, llvm::Module& m, const Program& p)
      : C(c), M(m), B(c), P(p), V(p.main.code), i8(B.getInt8Ty()), i32(B.getInt32Ty()),
        i64(B.getInt64Ty()), f64(B.getDoubleTy()) {}

  // Builds the function; fills `entry` with its entry points.
  llvm::Function* build(const std::string& name, std::vector<uint8_t>& entry) {
    const size_t n = V.size();
    std::vector<Use> uses(n);
    shadowed.assign(P.num_registers, false);
    written.assign(P.num_registers, false);
    for (size_t pc = 0; pc < n; ++pc) {
      uses[pc] = classify(P, V[pc]);
      for (uint16_t r : uses[pc].regs) shadowed.at(r) = true;
      for (uint16_t r : uses[pc].writes) written.at(r) = true;
    }
    // Entry points: the start, the head of each loop (the target of a jump
    // backwards), and the instruction after each one left to the
    // interpreter (where it comes back after a call or a builtin).
    entry.assign(n, 0);
    if (n) entry[0] = 1;
    for (size_t pc = 0; pc < n; ++pc) {
      if (is_jump(V[pc]) && V[pc].d <= pc && V[pc].d < n) entry[V[pc].d] = 1;
      if (!uses[pc].native && pc + 1 < n) entry[pc + 1] = 1;
    }

    // uint32_t f(NativeFrame* nf): nf = {Value* regs; int64 ticks; uint32 pc}
    llvm::StructType* frameTy = llvm::StructType::create(C, {i8->getPointerTo(), i64, i32}, "NativeFrame");
    auto* fnTy = llvm::FunctionType::get(i32, {frameTy->getPointerTo()}, false);
    F = llvm::Function::Create(fnTy, llvm::Function::ExternalLinkage, name, M);
    F->addFnAttr(llvm::Attribute::NoUnwind);
    LV* nf = F->getArg(0);
    BasicBlock* entryBB = BasicBlock::Create(C, "entry", F);
    B.SetInsertPoint(entryBB);
    framePtr = nf;
    regsPtr = B.CreateLoad(i8->getPointerTo(), B.CreateStructGEP(frameTy, nf, 0), "regs");
    ticksPtr = B.CreateStructGEP(frameTy, nf, 1);
    pcPtr = B.CreateStructGEP(frameTy, nf, 2);
    ticksA = B.CreateAlloca(i64, nullptr, "ticks");
    exitPcA = B.CreateAlloca(i32, nullptr, "exit_pc");
    exitWhyA = B.CreateAlloca(i32, nullptr, "exit_why");
    tagA.assign(P.num_registers, nullptr);
    valA.assign(P.num_registers, nullptr);
    for (uint32_t r = 0; r < P.num_registers; ++r) {
      if (!shadowed[r]) continue;
      tagA[r] = B.CreateAlloca(i8, nullptr, "t" + std::to_string(r));
      valA[r] = B.CreateAlloca(i64, nullptr, "v" + std::to_string(r));
    }
    B.CreateStore(B.CreateLoad(i64, ticksPtr), ticksA);
    for (uint32_t r = 0; r < P.num_registers; ++r) {
      if (!shadowed[r]) continue;
      B.CreateStore(B.CreateLoad(i8, tagPtr(r)), tagA[r]);
      B.CreateStore(B.CreateLoad(i64, valPtr(r)), valA[r]);
    }
    blocks.resize(n + 1);
    for (size_t pc = 0; pc <= n; ++pc) blocks[pc] = BasicBlock::Create(C, "pc" + std::to_string(pc), F);
    exitBB = BasicBlock::Create(C, "exit", F);
    BasicBlock* noEntry = BasicBlock::Create(C, "no_entry", F);
    auto* sw = B.CreateSwitch(B.CreateLoad(i32, pcPtr), noEntry);
    for (size_t pc = 0; pc < n; ++pc)
      if (entry[pc]) sw->addCase(B.getInt32(uint32_t(pc)), blocks[pc]);
    B.SetInsertPoint(noEntry);
    B.CreateRet(B.getInt32(uint32_t(Exit::NoEntry)));

    for (size_t pc = 0; pc < n; ++pc) {
      B.SetInsertPoint(blocks[pc]);
      cur = uint32_t(pc);
      ticksBefore = nullptr;
      slowBB = nullptr;
      helper = uses[pc].helper;
      if (!uses[pc].native) {
        leave(Exit::Op);
        continue;
      }
      pay(V[pc].ticks);
      emit(V[pc]);
    }
    // Falling off the end cannot happen (the compiler ends every vector
    // with a return); leave for the interpreter all the same.
    B.SetInsertPoint(blocks[n]);
    cur = uint32_t(n ? n - 1 : 0);
    B.CreateStore(B.getInt32(cur), exitPcA);
    B.CreateStore(B.getInt32(uint32_t(Exit::Op)), exitWhyA);
    B.CreateBr(exitBB);

    B.SetInsertPoint(exitBB);
    for (uint32_t r = 0; r < P.num_registers; ++r) {
      if (!written[r]) continue;
      B.CreateStore(B.CreateLoad(i8, tagA[r]), tagPtr(r));
      B.CreateStore(B.CreateLoad(i64, valA[r]), valPtr(r));
    }
    B.CreateStore(B.CreateLoad(i64, ticksA), ticksPtr);
    B.CreateStore(B.CreateLoad(i32, exitPcA), pcPtr);
    B.CreateRet(B.CreateLoad(i32, exitWhyA));
    return F;
  }

 private:
  llvm::LLVMContext& C;
  llvm::Module& M;
  IRBuilder<> B;
  const Program& P;
  const std::vector<Instr>& V;
  llvm::Type *i8, *i32, *i64, *f64;
  llvm::Function* F = nullptr;
  LV *framePtr = nullptr, *regsPtr = nullptr, *ticksPtr = nullptr, *pcPtr = nullptr;
  llvm::AllocaInst *ticksA = nullptr, *exitPcA = nullptr, *exitWhyA = nullptr;
  std::vector<llvm::AllocaInst*> tagA, valA;
  std::vector<BasicBlock*> blocks;
  BasicBlock* exitBB = nullptr;
  std::vector<bool> shadowed, written;
  uint32_t cur = 0;  // the pc being compiled
  bool helper = false;         // cur has a run_op case
  BasicBlock* slowBB = nullptr;  // cur's way out: run_op, or leaving
  LV* ticksBefore = nullptr;  // the ticks before cur paid for itself (null: it costs none)

  LV* valPtr(uint32_t r) {
    return B.CreateBitCast(B.CreateConstInBoundsGEP1_64(i8, regsPtr, uint64_t(r) * 16), i64->getPointerTo());
  }
  LV* tagPtr(uint32_t r) { return B.CreateConstInBoundsGEP1_64(i8, regsPtr, uint64_t(r) * 16 + 8); }

  Opnd reg(uint16_t r) { return {B.CreateLoad(i8, tagA.at(r)), B.CreateLoad(i64, valA.at(r))}; }
  Opnd konst(uint16_t k) {
    const Value& v = P.constants.at(k);
    uint64_t bits;
    if (v.is_float()) {
      double d = v.as_float();
      std::memcpy(&bits, &d, 8);
    } else {
      bits = uint64_t(v.as_int());
    }
    return {B.getInt8(uint8_t(v.type())), B.getInt64(bits)};
  }
  void set(uint16_t r, uint8_t tag, LV* val) { set_dyn(r, B.getInt8(tag), val); }
  // Writes a non-heap value to register r. Native code does not release
  // values: when r holds a heap value (a temporary reused, a variable that
  // held a string), release_reg makes it INT 0 first, in memory.
  // An immortal value (the one-byte strings, the empty list) needs no
  // release: it may stay in memory under a number in the shadow, as a stale
  // number may (the runtime's writes release it for nothing).
  void set_dyn(uint16_t r, LV* tag, LV* val) {
    BasicBlock* heap = BasicBlock::Create(C, "heap", F);
    BasicBlock* release = BasicBlock::Create(C, "release", F);
    BasicBlock* store = BasicBlock::Create(C, "store", F);
    B.CreateCondBr(is_heap(B.CreateLoad(i8, tagA.at(r))), heap, store,
                   llvm::MDBuilder(C).createBranchWeights(1, 1 << 10));
    B.SetInsertPoint(heap);
    LV* obj = B.CreateIntToPtr(B.CreateLoad(i64, valA.at(r)), i32->getPointerTo());
    LV* refs = B.CreateLoad(i32, obj);  // HeapObject::refs, whose top bit marks the immortal
    static_assert(HeapObject::kImmortal == 1u << 31);
    B.CreateCondBr(B.CreateICmpSLT(refs, B.getInt32(0)), store, release);
    B.SetInsertPoint(release);
    auto* fnTy = llvm::FunctionType::get(B.getVoidTy(), {i8->getPointerTo(), i32}, false);
    LV* fn = B.CreateIntToPtr(B.getInt64(reinterpret_cast<uint64_t>(hooks->release_reg)), fnTy->getPointerTo());
    B.CreateCall(fnTy, fn, {regsPtr, B.getInt32(r)});
    reload({r});
    B.CreateBr(store);
    B.SetInsertPoint(store);
    B.CreateStore(tag, tagA.at(r));
    B.CreateStore(val, valA.at(r));
  }
  // Before a call into the runtime: memory gets what native code wrote to
  // the registers the call reads. (The one it writes needs nothing: what
  // memory holds there is either the shadow's heap value or a stale number,
  // which the runtime overwrites without a release.)
  void flush(const std::vector<uint16_t>& regs) {
    for (uint16_t r : regs) {
      if (!written.at(r)) continue;
      B.CreateStore(B.CreateLoad(i8, tagA[r]), tagPtr(r));
      B.CreateStore(B.CreateLoad(i64, valA[r]), valPtr(r));
    }
  }
  // After it: the shadows get what the runtime wrote.
  void reload(const std::vector<uint16_t>& regs) {
    for (uint16_t q : regs) {
      B.CreateStore(B.CreateLoad(i8, tagPtr(q)), tagA.at(q));
      B.CreateStore(B.CreateLoad(i64, valPtr(q)), valA.at(q));
    }
  }
  // The registers run_op reads, and the one it writes, for an instruction.
  static std::vector<uint16_t> helper_reads(const Instr& in) {
    switch (in.op) {
      case Op::MOVE: case Op::MOVEV: case Op::INDEXK: case Op::INDEX_LAST: case Op::ADDK:
      case Op::EQK: case Op::NEK:
        return {in.b};
      case Op::ADD: case Op::EQ: case Op::NE: case Op::INDEX: return {in.b, in.c};
      case Op::JEQ: case Op::JNE: return {in.a, in.b};
      case Op::JEQK: case Op::JNEK: return {in.a};
      case Op::LIST_APPEND: case Op::SELF_APPEND: return {in.a, in.b};
      default: return {};  // LOADK, MAKELIST
    }
  }
  static std::vector<uint16_t> helper_writes(const Instr& in) {
    switch (in.op) {
      case Op::JEQ: case Op::JNE: case Op::JEQK: case Op::JNEK: return {};
      default: return {in.a};
    }
  }
  void set_int(uint16_t r, LV* v) { set(r, kInt, v); }
  void set_float(uint16_t r, LV* d) { set(r, kFloat, B.CreateBitCast(d, i64)); }
  LV* as_double(LV* v) { return B.CreateBitCast(v, f64); }
  LV* is(LV* tag, uint8_t t) { return B.CreateICmpEQ(tag, B.getInt8(t)); }
  LV* is_heap(LV* tag) {
    LV* bit = B.CreateLShr(B.getInt32(kHeapMask), B.CreateZExt(tag, i32));
    return B.CreateICmpNE(B.CreateAnd(bit, B.getInt32(1)), B.getInt32(0));
  }
  // isfinite(d): |d| < inf is false for inf and for NaN.
  LV* finite(LV* d) {
    llvm::Function* fabs = llvm::Intrinsic::getDeclaration(&M, llvm::Intrinsic::fabs, {f64});
    return B.CreateFCmpOLT(B.CreateCall(fabs, {d}), llvm::ConstantFP::getInfinity(f64));
  }

  // Leaves for the interpreter at the current instruction, its ticks unpaid.
  void leave(Exit why) {
    if (ticksBefore) B.CreateStore(ticksBefore, ticksA);
    B.CreateStore(B.getInt32(cur), exitPcA);
    B.CreateStore(B.getInt32(uint32_t(why)), exitWhyA);
    B.CreateBr(exitBB);
  }
  // Continues in a new block when cond holds, else leaves (Ticks) or takes
  // the instruction's slow way (Guard).
  void guard(LV* cond, Exit why = Exit::Guard) {
    BasicBlock* ok = BasicBlock::Create(C, "ok", F);
    BasicBlock* out;
    if (why == Exit::Guard) {
      out = slow();
    } else {
      out = BasicBlock::Create(C, "out", F);
      auto ip = B.saveIP();
      B.SetInsertPoint(out);
      leave(why);
      B.restoreIP(ip);
    }
    B.CreateCondBr(cond, ok, out, weights());
    B.SetInsertPoint(ok);
  }
  // The current instruction's slow way, made once: run_op on the registers
  // in memory (the shadows stored first and loaded again after), or, for
  // an instruction run_op does not know, leaving for the interpreter.
  BasicBlock* slow() {
    if (slowBB) return slowBB;
    slowBB = BasicBlock::Create(C, "slow", F);
    auto ip = B.saveIP();
    B.SetInsertPoint(slowBB);
    if (!helper) {
      leave(Exit::Guard);
      B.restoreIP(ip);
      return slowBB;
    }
    flush(helper_reads(V[cur]));
    auto* fnTy = llvm::FunctionType::get(i32, {i8->getPointerTo(), i8->getPointerTo(), i8->getPointerTo()}, false);
    LV* fn = B.CreateIntToPtr(B.getInt64(reinterpret_cast<uint64_t>(hooks->run_op)), fnTy->getPointerTo());
    auto addr = [&](const void* p) { return B.CreateIntToPtr(B.getInt64(reinterpret_cast<uint64_t>(p)), i8->getPointerTo()); };
    LV* r = B.CreateCall(fnTy, fn, {regsPtr, addr(&P), addr(&V[cur])});
    reload(helper_writes(V[cur]));
    BasicBlock* done = BasicBlock::Create(C, "done", F);
    BasicBlock* out = BasicBlock::Create(C, "raise", F);
    B.CreateCondBr(B.CreateICmpNE(r, B.getInt32(0)), done, out);
    B.SetInsertPoint(out);
    leave(Exit::Guard);
    B.SetInsertPoint(done);
    const Instr& in = V[cur];
    if (in.op == Op::JEQ || in.op == Op::JEQK || in.op == Op::JNE || in.op == Op::JNEK) {
      // run_op gives 1 + the comparison; the jump is taken when it equals c.
      branch(B.CreateICmpEQ(r, B.getInt32(in.c ? 2 : 1)), in.d);
    } else {
      next();
    }
    B.restoreIP(ip);
    return slowBB;
  }
  llvm::MDNode* weights() { return llvm::MDBuilder(C).createBranchWeights(1 << 20, 1); }
  // As NEXT(): `ticks -= t; if (ticks <= 0)` the interpreter takes over
  // before the instruction (and pays it itself).
  void pay(uint8_t t) {
    ticksBefore = nullptr;
    if (!t) return;
    LV* before = B.CreateLoad(i64, ticksA);
    LV* left = B.CreateSub(before, B.getInt64(t));
    guard(B.CreateICmpSGT(left, B.getInt64(0)), Exit::Ticks);
    B.CreateStore(left, ticksA);
    ticksBefore = before;  // what a later exit from this instruction gives back
  }
  void next() { B.CreateBr(blocks[cur + 1]); }
  // Splits on "both INT", "both FLOAT", else leaves; the builder is left in
  // the INT block, and *floatBB is the FLOAT block (null when `floats` is false).
  void both(const Opnd& x, const Opnd& y, bool floats, BasicBlock** floatBB) {
    BasicBlock* intBB = BasicBlock::Create(C, "int", F);
    BasicBlock* notInt = BasicBlock::Create(C, "not_int", F);
    B.CreateCondBr(B.CreateAnd(is(x.tag, kInt), is(y.tag, kInt)), intBB, notInt);
    B.SetInsertPoint(notInt);
    if (floats) {
      *floatBB = BasicBlock::Create(C, "float", F);
      BasicBlock* other = BasicBlock::Create(C, "other", F);
      B.CreateCondBr(B.CreateAnd(is(x.tag, kFloat), is(y.tag, kFloat)), *floatBB, other);
      B.SetInsertPoint(other);
    }
    B.CreateBr(slow());
    B.SetInsertPoint(intBB);
  }

  // R[a] = x op y, with ops::arith's results for INT and FLOAT operands.
  void arith(Op op, uint16_t a, Opnd x, Opnd y) {
    BasicBlock* floatBB = nullptr;
    bool floats = op == Op::ADD || op == Op::SUB || op == Op::MUL || op == Op::DIV || op == Op::MOD;
    both(x, y, floats, &floatBB);
    LV* r = nullptr;
    switch (op) {
      case Op::ADD: r = B.CreateAdd(x.val, y.val); break;  // wraps, as uint64_t
      case Op::SUB: r = B.CreateSub(x.val, y.val); break;
      case Op::MUL: r = B.CreateMul(x.val, y.val); break;
      case Op::DIV: case Op::MOD: {
        guard(B.CreateICmpNE(y.val, B.getInt64(0)));  // E_DIV: the interpreter raises it
        // y == -1: the quotient is -x (wrapping: INT64_MIN / -1 traps in
        // hardware) and the remainder 0.
        LV* minus1 = B.CreateICmpEQ(y.val, B.getInt64(-1));
        LV* safeY = B.CreateSelect(minus1, B.getInt64(1), y.val);
        if (op == Op::DIV) r = B.CreateSelect(minus1, B.CreateSub(B.getInt64(0), x.val), B.CreateSDiv(x.val, safeY));
        else r = B.CreateSelect(minus1, B.getInt64(0), B.CreateSRem(x.val, safeY));
        break;
      }
      case Op::BITAND: r = B.CreateAnd(x.val, y.val); break;
      case Op::BITOR: r = B.CreateOr(x.val, y.val); break;
      case Op::BITXOR: r = B.CreateXor(x.val, y.val); break;
      case Op::SHL: case Op::SHR: {
        // E_INVARG outside 0..64 (the interpreter raises it); 64 gives 0.
        guard(B.CreateICmpULE(y.val, B.getInt64(64)));
        LV* big = B.CreateICmpEQ(y.val, B.getInt64(64));
        LV* count = B.CreateSelect(big, B.getInt64(0), y.val);
        LV* s = op == Op::SHL ? B.CreateShl(x.val, count) : B.CreateLShr(x.val, count);
        r = B.CreateSelect(big, B.getInt64(0), s);
        break;
      }
      default: break;
    }
    set_int(a, r);
    next();
    if (!floatBB) return;
    B.SetInsertPoint(floatBB);
    LV *dx = as_double(x.val), *dy = as_double(y.val), *d = nullptr;
    switch (op) {
      case Op::ADD: d = B.CreateFAdd(dx, dy); break;
      case Op::SUB: d = B.CreateFSub(dx, dy); break;
      case Op::MUL: d = B.CreateFMul(dx, dy); break;
      case Op::DIV: case Op::MOD:
        guard(B.CreateFCmpUNE(dy, llvm::ConstantFP::get(f64, 0.0)));  // E_DIV
        d = op == Op::DIV ? B.CreateFDiv(dx, dy) : B.CreateFRem(dx, dy);  // frem is C's fmod
        break;
      default: break;
    }
    guard(finite(d));  // E_FLOAT: the interpreter raises it
    set_float(a, d);
    next();
  }

  // x op y for INT or FLOAT operands as ops::compare (c from < and >, so
  // that a NaN compares as the interpreter has it) and equal(); the
  // builder ends in a block with the i1 result in *out.
  LV* compare(Op op, Opnd x, Opnd y) {
    BasicBlock* floatBB = nullptr;
    both(x, y, true, &floatBB);
    LV* ri = nullptr;
    switch (op) {
      case Op::EQ: ri = B.CreateICmpEQ(x.val, y.val); break;
      case Op::NE: ri = B.CreateICmpNE(x.val, y.val); break;
      case Op::LT: ri = B.CreateICmpSLT(x.val, y.val); break;
      case Op::LE: ri = B.CreateICmpSLE(x.val, y.val); break;
      case Op::GT: ri = B.CreateICmpSGT(x.val, y.val); break;
      default: ri = B.CreateICmpSGE(x.val, y.val); break;
    }
    BasicBlock* intEnd = B.GetInsertBlock();
    BasicBlock* join = BasicBlock::Create(C, "cmp", F);
    B.CreateBr(join);
    B.SetInsertPoint(floatBB);
    LV *dx = as_double(x.val), *dy = as_double(y.val), *rf = nullptr;
    switch (op) {
      case Op::EQ: rf = B.CreateFCmpOEQ(dx, dy); break;
      case Op::NE: rf = B.CreateNot(B.CreateFCmpOEQ(dx, dy)); break;
      case Op::LT: rf = B.CreateFCmpOLT(dx, dy); break;
      case Op::LE: rf = B.CreateNot(B.CreateFCmpOGT(dx, dy)); break;
      case Op::GT: rf = B.CreateFCmpOGT(dx, dy); break;
      default: rf = B.CreateNot(B.CreateFCmpOLT(dx, dy)); break;
    }
    BasicBlock* floatEnd = B.GetInsertBlock();
    B.CreateBr(join);
    B.SetInsertPoint(join);
    llvm::PHINode* phi = B.CreatePHI(B.getInt1Ty(), 2);
    phi->addIncoming(ri, intEnd);
    phi->addIncoming(rf, floatEnd);
    return phi;
  }

  // MOO truth of an INT or FLOAT; leaves for other types (and for unbound
  // variables, whose E_VARNF the interpreter raises).
  LV* truth(uint16_t r) {
    Opnd x = reg(r);
    BasicBlock* intBB = BasicBlock::Create(C, "int", F);
    BasicBlock* notInt = BasicBlock::Create(C, "not_int", F);
    BasicBlock* join = BasicBlock::Create(C, "truth", F);
    B.CreateCondBr(is(x.tag, kInt), intBB, notInt);
    B.SetInsertPoint(notInt);
    guard(is(x.tag, kFloat));
    LV* rf = B.CreateFCmpUNE(as_double(x.val), llvm::ConstantFP::get(f64, 0.0));
    BasicBlock* floatEnd = B.GetInsertBlock();
    B.CreateBr(join);
    B.SetInsertPoint(intBB);
    LV* ri = B.CreateICmpNE(x.val, B.getInt64(0));
    B.CreateBr(join);
    B.SetInsertPoint(join);
    llvm::PHINode* phi = B.CreatePHI(B.getInt1Ty(), 2);
    phi->addIncoming(ri, intBB);
    phi->addIncoming(rf, floatEnd);
    return phi;
  }

  void branch(LV* cond, uint32_t target) {
    B.CreateCondBr(cond, blocks.at(target), blocks[cur + 1]);
  }

  void emit(const Instr& in) {
    switch (in.op) {
      case Op::NOP: next(); return;
      case Op::JMP: B.CreateBr(blocks.at(in.d)); return;
      case Op::MOVE: case Op::MOVEV: {
        Opnd x = reg(in.b);
        if (in.op == Op::MOVEV) guard(B.CreateNot(is(x.tag, kNone)));  // E_VARNF
        guard(B.CreateNot(is_heap(x.tag)));  // copying a heap value takes a reference
        set_dyn(in.a, x.tag, x.val);
        next();
        return;
      }
      case Op::LOADK: {
        if (P.constants.at(in.b).is_heap()) {
          B.CreateBr(slow());
          return;
        }
        Opnd k = konst(in.b);
        set_dyn(in.a, k.tag, k.val);
        next();
        return;
      }
      case Op::LOADI:
        set_int(in.a, B.getInt64(int64_t(int16_t(in.b))));
        next();
        return;
      case Op::CHECKVAR:
        guard(B.CreateNot(is(reg(in.a).tag, kNone)));
        next();
        return;
      case Op::CHECK_LIST:
        guard(is(reg(in.a).tag, uint8_t(Type::List)));
        next();
        return;
      case Op::INDEX: case Op::INDEXK: case Op::INDEX_LAST: case Op::LIST_APPEND: case Op::SELF_APPEND:
      case Op::MAKELIST:
        B.CreateBr(slow());
        return;
      case Op::ADD: case Op::SUB: case Op::MUL: case Op::DIV: case Op::MOD:
      case Op::BITAND: case Op::BITOR: case Op::BITXOR: case Op::SHL: case Op::SHR:
        arith(in.op, in.a, reg(in.b), reg(in.c));
        return;
      case Op::ADDK: case Op::SUBK: case Op::MULK: case Op::DIVK: case Op::MODK:
        arith(base_op(in.op), in.a, reg(in.b), konst(in.c));
        return;
      case Op::SUBKR: case Op::DIVKR: case Op::MODKR:
        arith(base_op(in.op), in.a, konst(in.b), reg(in.c));
        return;
      case Op::EQ: case Op::NE: case Op::LT: case Op::LE: case Op::GT: case Op::GE:
      case Op::EQK: case Op::NEK: case Op::LTK: case Op::LEK: case Op::GTK: case Op::GEK: {
        LV* r = compare(base_op(in.op), reg(in.b), is_k(in.op) ? konst(in.c) : reg(in.c));
        set_int(in.a, B.CreateZExt(r, i64));
        next();
        return;
      }
      case Op::NOT: case Op::TRUTH: {
        LV* t = truth(in.b);
        set_int(in.a, B.CreateZExt(in.op == Op::NOT ? B.CreateNot(t) : t, i64));
        next();
        return;
      }
      case Op::JMPF: branch(B.CreateNot(truth(in.a)), in.d); return;
      case Op::JMPT: branch(truth(in.a), in.d); return;
      case Op::JMPBIT: {
        LV* bit = B.CreateAnd(B.CreateLShr(reg(in.a).val, B.getInt64(in.b)), B.getInt64(1));
        branch(B.CreateICmpNE(bit, B.getInt64(0)), in.d);
        return;
      }
      case Op::JLT: case Op::JLE: case Op::JGT: case Op::JGE: case Op::JEQ: case Op::JNE:
      case Op::JLTK: case Op::JLEK: case Op::JGTK: case Op::JGEK: case Op::JEQK: case Op::JNEK: {
        LV* r = compare(base_op(in.op), reg(in.a), is_cmpjump_k(in.op) ? konst(in.b) : reg(in.b));
        branch(in.c ? r : B.CreateNot(r), in.d);
        return;
      }
      case Op::FOR_RANGE_INIT: {
        // LambdaMOO's OP_FOR_RANGE: both bounds INT here (OBJ ranges, type
        // errors and unbound variables are the interpreter's).
        Opnd from = reg(in.b), to = reg(uint16_t(in.b + 1));
        guard(B.CreateAnd(is(from.tag, kInt), is(to.tag, kInt)));
        BasicBlock* run = BasicBlock::Create(C, "range", F);
        B.CreateCondBr(B.CreateICmpSGT(from.val, to.val), blocks.at(in.d), run);
        B.SetInsertPoint(run);
        set_int(in.a, from.val);
        next();
        return;
      }
      case Op::FOR_RANGE_NEXT: {
        Opnd c = reg(in.b), to = reg(uint16_t(in.b + 1));
        guard(is(c.tag, kInt));  // an OBJ range is the interpreter's
        BasicBlock* more = BasicBlock::Create(C, "more", F);
        B.CreateCondBr(B.CreateICmpSLT(c.val, to.val), more, blocks[cur + 1]);
        B.SetInsertPoint(more);
        LV* n1 = B.CreateAdd(c.val, B.getInt64(1));
        set_int(in.b, n1);
        set_int(in.a, n1);
        B.CreateBr(blocks.at(in.d));
        return;
      }
      default:
        leave(Exit::Op);
        return;
    }
  }
};

// The LLJIT, made on first use and kept for the life of the process.
struct Engine {
  std::unique_ptr<llvm::orc::LLJIT> jit;
  uint64_t next_id = 0;
  std::string error;

  Engine() {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    auto j = llvm::orc::LLJITBuilder().create();
    if (!j) {
      error = llvm::toString(j.takeError());
      return;
    }
    jit = std::move(*j);
    // frem becomes a call to fmod: let the JIT find the C library's.
    auto gen = llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
        jit->getDataLayout().getGlobalPrefix());
    if (!gen) {
      error = llvm::toString(gen.takeError());
      jit.reset();
      return;
    }
    jit->getMainJITDylib().addGenerator(std::move(*gen));
  }
};

// A fixed pipeline rather than LLVM's O2: the code is one function of
// straight-line blocks over shadow allocas, and what pays is turning them
// into SSA values (SROA), folding the tag checks (EarlyCSE, InstCombine,
// GVN), hoisting loop-invariant loads (LICM) and tidying the branches. The
// O2 pipeline linked every pass LLVM has (the `passes` component) into the
// code generator's module, and its static constructors ran at load.
// ECHO_JIT_OPT=1: only the first four.
void optimize(llvm::Module& m) {
  static const int level = [] {
    const char* e = std::getenv("ECHO_JIT_OPT");
    return e ? std::atoi(e) : 2;
  }();
  llvm::legacy::FunctionPassManager fpm(&m);
  fpm.add(llvm::createSROAPass());
  fpm.add(llvm::createEarlyCSEPass());
  fpm.add(llvm::createInstructionCombiningPass());
  fpm.add(llvm::createCFGSimplificationPass());
  if (level >= 2) {
    fpm.add(llvm::createGVNPass());
    fpm.add(llvm::createLICMPass());
    fpm.add(llvm::createInstructionCombiningPass());
    fpm.add(llvm::createCFGSimplificationPass());
  }
  fpm.doInitialization();
  for (llvm::Function& f : m)
    if (!f.isDeclaration()) fpm.run(f);
  fpm.doFinalization();
}

}  // namespace

}  // namespace echo::jit

// The module's entry point (see lang/jit/codegen.h).
extern "C" [[gnu::visibility("default")]] const echo::jit::Native* echo_jit_compile_native(
    const echo::Program& p, std::string* why, const echo::jit::CodegenHooks* h) {
  using namespace echo::jit;
  hooks = h;
  // Never destroyed: native code may run until the process ends.
  static Engine& engine = *new Engine;
  if (!engine.jit) {
    *why = "LLJIT: " + engine.error;
    return nullptr;
  }
  // Always mode (tests) compiles everything, to run every way in and out.
  if (hooks->mode() != Mode::Always && !worth_compiling(p)) {
    *why = "every loop leaves native code on each iteration";
    return nullptr;
  }
  auto ctx = std::make_unique<llvm::LLVMContext>();
  auto mod = std::make_unique<llvm::Module>("echo_jit", *ctx);
  mod->setDataLayout(engine.jit->getDataLayout());
  mod->setTargetTriple(engine.jit->getTargetTriple().str());
  std::string name = "echo_jit_" + std::to_string(engine.next_id++);
  auto native = std::make_unique<Native>();
  Gen gen(*ctx, *mod, p);
  llvm::Function* f = gen.build(name, native->entry);
  std::string msg;
  llvm::raw_string_ostream os(msg);
  if (llvm::verifyFunction(*f, &os)) {
    *why = "invalid IR: " + os.str();
    return nullptr;
  }
  optimize(*mod);
  if (std::getenv("ECHO_JIT_DUMP")) mod->print(llvm::errs(), nullptr);
  if (auto err = engine.jit->addIRModule(llvm::orc::ThreadSafeModule(std::move(mod), std::move(ctx)))) {
    *why = llvm::toString(std::move(err));
    return nullptr;
  }
  auto sym = engine.jit->lookup(name);
  if (!sym) {
    *why = llvm::toString(sym.takeError());
    return nullptr;
  }
  native->fn = reinterpret_cast<NativeFn>(sym->getAddress());
  return native.release();
}
