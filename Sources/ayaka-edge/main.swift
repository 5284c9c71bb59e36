print("ayaka-edge")
