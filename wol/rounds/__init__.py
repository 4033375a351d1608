"""Sign-up rounds: people sign up, wol forms balanced circles of 4-5 and the organiser confirms."""
