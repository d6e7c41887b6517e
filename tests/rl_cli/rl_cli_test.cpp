#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/test_support.h"

using testing_support::read_text;
using testing_support::run_cli;
using testing_support::run_shell;
using testing_support::TempDir;
using testing_support::write_text;

namespace {

// One small DQN run and one Q-table, trained once for the whole suite.
class RlCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    const auto d = dir_->path().string();
    auto r = run_cli("dqn train --preset seed --episodes-per-epoch 300 --epochs 2 --run small --runs-dir " + d +
                     " --quiet --seed 3");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    train_out_ = r.out;
    auto q = run_cli("qlearn train --episodes 30000 --run q --runs-dir " + d + " --quiet");
    ASSERT_EQ(q.exit_code, 0) << q.err;
    qlearn_out_ = q.out;
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string d() { return dir_->path().string(); }
  // The CLI with `input` on stdin.
  static testing_support::RunResult with_input(const std::string& args, const std::string& input) {
    const auto file = dir_->path() / "stdin.txt";
    write_text(file, input);
    return run_shell(std::string("('") + TORCHLAB_CLI + "' " + args + " < '" + file.string() + "')");
  }
  static TempDir* dir_;
  static std::string train_out_, qlearn_out_;
};
TempDir* RlCli::dir_ = nullptr;
std::string RlCli::train_out_, RlCli::qlearn_out_;

}  // namespace

TEST_F(RlCli, DqnTrainWritesARunThroughTheLearner) {
  EXPECT_NE(train_out_.find("epoch 2/2: exact vs random"), std::string::npos) << train_out_;
  EXPECT_NE(train_out_.find("Trained 600 games"), std::string::npos) << train_out_;
  const auto run = dir_->path() / "small";
  const auto config = nlohmann::json::parse(read_text(run / "config.json"));
  EXPECT_EQ(config["hidden"], nlohmann::json({32, 32}));
  EXPECT_EQ(config["target"], "negamax");
  EXPECT_TRUE(std::filesystem::exists(run / "report.html"));
  EXPECT_TRUE(std::filesystem::exists(run / "checkpoints" / "step-000000000600.ckpt"));
  bool train_row = false, valid_row = false;
  std::istringstream rows(read_text(run / "metrics.jsonl"));
  for (std::string line; std::getline(rows, line);) {
    const auto j = nlohmann::json::parse(line);
    if (j["split"] == "train" && j.contains("epsilon") && j.contains("games_per_s") && j.contains("x_won"))
      train_row = true;
    if (j["split"] == "valid" && j.contains("win_x") && j.contains("loss_o") && j.contains("imperfect_o"))
      valid_row = true;
  }
  EXPECT_TRUE(train_row);
  EXPECT_TRUE(valid_row);
}

TEST_F(RlCli, DqnEvalPrintsWinsDrawsLossesWithPercentages) {
  auto r = run_cli("dqn eval --run small --runs-dir " + d() + " --games 100");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("vs random, 100 games per side"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("as X: wins "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("as O: wins "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("%) · draws "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("exact as O: wins "), std::string::npos) << r.out;
  auto o = run_cli("dqn eval --run " + d() + "/small --as O --vs minimax --games 20");
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out.find("as X:"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("as O: wins 0 (0.0%)"), std::string::npos) << o.out;  // nobody beats minimax
  EXPECT_NE(o.out.find("imperfect moves"), std::string::npos) << o.out;
}

TEST_F(RlCli, DqnResumeContinuesTheRun) {
  const auto copy = dir_->path() / "resumed";
  std::filesystem::copy(dir_->path() / "small", copy, std::filesystem::copy_options::recursive);
  auto r = run_cli("dqn train --resume " + copy.string() + " --epochs 3 --quiet");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("epoch 3/3"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("epoch 1/3"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Trained 900 games"), std::string::npos) << r.out;
  EXPECT_TRUE(std::filesystem::exists(copy / "checkpoints" / "step-000000000900.ckpt"));
  // Flags that contradict the run are refused; repeating the run's own values is fine.
  auto clash = run_cli("dqn train --resume " + copy.string() + " --epochs 4 --lr 0.01 --quiet");
  EXPECT_EQ(clash.exit_code, 2);
  EXPECT_NE(clash.err.find("it was made with lr = 0.001"), std::string::npos) << clash.err;
  auto same = run_cli("dqn train --resume " + copy.string() + " --epochs 3 --preset seed --hidden 32,32 --quiet");
  EXPECT_EQ(same.exit_code, 0) << same.err;
}

TEST_F(RlCli, BadInputIsAClearErrorWithExitTwo) {
  auto zero = run_cli("dqn eval --run small --runs-dir " + d() + " --games 0");
  EXPECT_EQ(zero.exit_code, 2);
  EXPECT_NE(zero.err.find("--games"), std::string::npos) << zero.err;
  auto negative = run_cli("dqn train --episodes-per-epoch -5 --runs-dir " + d() + " --quiet");
  EXPECT_EQ(negative.exit_code, 2);
  EXPECT_NE(negative.err.find("--episodes-per-epoch"), std::string::npos) << negative.err;
  auto eps = run_cli("dqn train --eps-start 1.5 --runs-dir " + d() + " --quiet");
  EXPECT_EQ(eps.exit_code, 2);
  EXPECT_NE(eps.err.find("--eps-start 1.5"), std::string::npos) << eps.err;
  EXPECT_NE(eps.err.find("--eps-start 1.5: must be in [0, 1]"), std::string::npos) << eps.err;
  auto env = run_cli("dqn train --env pong --runs-dir " + d() + " --quiet");
  EXPECT_EQ(env.exit_code, 2);
  EXPECT_NE(env.err.find("pong"), std::string::npos);
  // A Q-table handed to the DQN commands, and the other way round.
  auto kind = run_cli("dqn eval --checkpoint " + d() + "/q/checkpoints/step-000000030000.ckpt");
  EXPECT_EQ(kind.exit_code, 2);
  EXPECT_NE(kind.err.find("is a 'qlearn' checkpoint, but this command needs a 'dqn'"), std::string::npos) << kind.err;
  auto other = run_cli("qlearn eval --checkpoint " + d() + "/small/checkpoints/step-000000000600.ckpt");
  EXPECT_EQ(other.exit_code, 2);
  EXPECT_NE(other.err.find("'dqn' checkpoint"), std::string::npos) << other.err;
  auto missing = run_cli("dqn eval --run nope --runs-dir " + d());
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("does not exist"), std::string::npos) << missing.err;
  auto exists = run_cli("dqn train --run small --runs-dir " + d() + " --quiet");
  EXPECT_EQ(exists.exit_code, 2);
  EXPECT_NE(exists.err.find("already exists"), std::string::npos) << exists.err;
}

TEST_F(RlCli, PlayAsksAgainOnJunkAndQuitsOnEndOfInput) {
  // Junk, out of range, our first move 5, then 5 again (occupied), a request for Q-values, then Ctrl-D.
  auto r = with_input("dqn play --run small --runs-dir " + d(), "hello\n0\n12\n5\n5\nq\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(" 1 | 2 | 3\n---+---+---\n 4 | 5 | 6"), std::string::npos) << r.out;  // cell numbers
  EXPECT_NE(r.out.find("\"hello\" is not a cell"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("There is no cell 0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("There is no cell 12"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("The agent (O) plays"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Cell 5 is taken by X"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Q-values of the player to move (X)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Bye."), std::string::npos) << r.out;
  // As O the agent opens; a whole game ends with a result line and the offer of another.
  auto o = with_input("qlearn play --run q --runs-dir " + d() + " --as O", "1\n2\n3\n4\n6\n7\n8\n9\nn\n");
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.out.find("The agent (X) plays"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("Play again? [Y/n]"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("The agent wins."), std::string::npos) << o.out;  // trying cells in order loses
}

TEST_F(RlCli, QlearnTrainEvalAndItsReport) {
  EXPECT_NE(qlearn_out_.find("Learned "), std::string::npos) << qlearn_out_;
  EXPECT_NE(qlearn_out_.find("vs minimax: X wins 0"), std::string::npos) << qlearn_out_;
  auto r = run_cli("qlearn eval --run q --runs-dir " + d() + " --vs minimax --games 50");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("as X: wins 0 (0.0%) · draws "), std::string::npos) << r.out;
  EXPECT_TRUE(std::filesystem::exists(dir_->path() / "q" / "report.html"));
}

TEST_F(RlCli, CartPoleTrainsEvaluatesAndRefusesPlay) {
  auto r = run_cli("dqn train --env cartpole --epochs 1 --episodes-per-epoch 5 --eval-episodes 2 --run cp --runs-dir " +
                   d() + " --quiet");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("greedy return"), std::string::npos) << r.out;
  auto e = run_cli("dqn eval --run cp --runs-dir " + d() + " --games 3");
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_NE(e.out.find("greedy return over 3 episodes: mean "), std::string::npos) << e.out;
  auto p = with_input("dqn play --run cp --runs-dir " + d(), "1\n");
  EXPECT_EQ(p.exit_code, 2);
  EXPECT_NE(p.err.find("dqn play is for tic-tac-toe"), std::string::npos) << p.err;
}
