"""The surveys app's services, one module per area: the survey builder, waves, answers,
results and feedback; quarterly reports; what reminders are due, and the reminders
themselves. Views, tasks and other apps import the module they need."""
