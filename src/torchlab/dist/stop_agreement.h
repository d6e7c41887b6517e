#pragma once
// Ctrl-C in a data-parallel run must stop every rank after the same step, or the ranks that go on would wait for the
// ones that stopped. During Learner::fit the Learner's SIGINT/SIGTERM handler sets its flag at any moment; here a
// handler that only records the signal replaces it, the record is summed across ranks with the next gradient
// all-reduce, and every rank raises the Learner's flag at that same point when any rank had one.
namespace torchlab::dist {

// Per step, inside fit: puts the recording handler in place of the Learner's (once per fit).
void arm_stop_agreement();
// Whether this rank wants to stop (a recorded signal, or the Learner's flag already up); clears the record.
bool local_stop_request();
// Raises the Learner's flag when `any_rank` asked to stop.
void apply_stop_agreement(bool any_rank);

}  // namespace torchlab::dist
