-- Agent performance: how long customers wait for the agent's answer, per day (last 30 days).
WITH answered AS (
  SELECT dt,
         session_id,
         role,
         turn_ms - LAG(turn_ms) OVER (PARTITION BY session_id ORDER BY turn_ms) AS wait_ms,
         LAG(role) OVER (PARTITION BY session_id ORDER BY turn_ms) AS previous_role
  FROM conversations
  WHERE dt >= CAST(date_add('day', -30, current_date) AS varchar)
)
SELECT dt AS day,
       COUNT(*) AS answers,
       ROUND(AVG(wait_ms) / 1000.0, 2) AS avg_response_seconds,
       ROUND(approx_percentile(wait_ms, 0.9) / 1000.0, 2) AS p90_response_seconds,
       COUNT_IF(wait_ms > 5000) AS answers_over_5_seconds
FROM answered
WHERE role = 'assistant' AND previous_role = 'user'
GROUP BY dt
ORDER BY day DESC;
