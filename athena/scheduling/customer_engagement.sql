-- Customer engagement: chat sessions, turns and message length per customer and day (last 30 days).
SELECT customer_id,
       dt AS day,
       COUNT(DISTINCT session_id) AS sessions,
       COUNT_IF(role = 'user') AS customer_turns,
       COUNT_IF(role = 'assistant') AS agent_turns,
       ROUND(AVG(CASE WHEN role = 'user' THEN words END), 1) AS avg_customer_words
FROM conversations
WHERE dt >= CAST(date_add('day', -30, current_date) AS varchar)
  AND customer_id IS NOT NULL
GROUP BY customer_id, dt
ORDER BY day DESC, sessions DESC;
