"""Change requests, iterations, reviews, approval policy, merge and comments."""
