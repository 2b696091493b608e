print("tutorial: under construction")
