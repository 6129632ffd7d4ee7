-- Appointment booking trends: confirmed bookings, onboardings and notifications per day (last 90 days).
SELECT concat(year, '-', month, '-', day) AS day,
       COUNT_IF(event_type = 'appointment.confirmed') AS appointments_confirmed,
       COUNT_IF(event_type = 'customer.onboarded') AS customers_onboarded,
       COUNT_IF(event_type = 'notification.sent' AND kind = 'reminder') AS reminders_sent,
       COUNT_IF(event_type = 'notification.sent' AND kind = 'cancellation') AS cancellations_sent,
       COUNT(DISTINCT customer_id) AS active_customers
FROM events
WHERE date(concat(year, '-', month, '-', day)) >= date_add('day', -90, current_date)
GROUP BY year, month, day
ORDER BY day DESC;
