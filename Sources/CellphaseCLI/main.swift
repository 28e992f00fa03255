print("cellphase")
