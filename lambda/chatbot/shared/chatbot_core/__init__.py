"""Code shared by the chatbot Lambdas: HTTP with a retry policy, JWT verification, cached
secrets, API responses, the session/history store and the two outbound API clients."""
