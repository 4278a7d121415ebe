// AnswerQueue: the answers of a pipelined connection leave in request order, whatever
// order they became ready in.

#include <gtest/gtest.h>

#include "server/answer_queue.hpp"

using hotstate::server::AnswerQueue;
using hotstate::server::Response;

namespace {

Response answer(unsigned status) {
  Response r;
  r.result(status);
  return r;
}

}  // namespace

TEST(AnswerQueue, AnswersLeaveInRequestOrderWhateverOrderTheyAreReadyIn) {
  AnswerQueue queue;
  auto write = queue.reserve();  // answered once durable
  auto read = queue.reserve();   // answered at once
  auto later = queue.reserve();
  queue.fill(read, answer(200));
  queue.fill(later, answer(404));
  EXPECT_EQ(queue.ready_front(), nullptr) << "the first answer is not ready: nothing may go out";
  EXPECT_EQ(queue.size(), 3u);
  queue.fill(write, answer(201));
  ASSERT_NE(queue.ready_front(), nullptr);
  EXPECT_EQ(queue.ready_front()->result_int(), 201u);
  queue.pop_front();
  EXPECT_EQ(queue.ready_front()->result_int(), 200u);
  queue.pop_front();
  EXPECT_EQ(queue.ready_front()->result_int(), 404u);
  queue.pop_front();
  EXPECT_TRUE(queue.empty());
  // Tickets keep counting after the queue emptied.
  auto next = queue.reserve();
  queue.fill(next, answer(200));
  EXPECT_EQ(queue.ready_front()->result_int(), 200u);
}

TEST(AnswerQueue, AnUnknownOrRefilledTicketIsAProgrammingError) {
  AnswerQueue queue;
  auto ticket = queue.reserve();
  queue.fill(ticket, answer(200));
  EXPECT_THROW(queue.fill(ticket, answer(200)), std::logic_error);
  EXPECT_THROW(queue.fill(ticket + 1, answer(200)), std::logic_error);
  queue.pop_front();
  EXPECT_THROW(queue.fill(ticket, answer(200)), std::logic_error) << "already written";
}
