"""From the instructor's source to what students get: release build, leak check, samples, syllabus."""
