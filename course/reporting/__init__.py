"""What grading produced, for people: the class report, feedback pages, scores and the LMS export."""
