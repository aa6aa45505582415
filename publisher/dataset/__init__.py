"""What the dataset says about itself: the build's facts, DCAT-AP, VoID, linksets and schema.org descriptions."""
