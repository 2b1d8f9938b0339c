"""Staff tools without a channel: reload diff, unanswered questions, statistics, gaps."""
