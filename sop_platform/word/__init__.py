"""Word files: checked as hostile (`safety`), read as they stream (`package`), converted to
our Markdown (`convert` and the modules it is made of), and proposed as a draft change
request (`imports`)."""
