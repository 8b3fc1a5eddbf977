"""From the instructor's text to what students get: each week written as text and its source notebook
generated, the release build and its leak check, the samples, the syllabus."""
