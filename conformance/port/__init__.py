"""The PORT standard's domain logic: the port/1.0 archive, its generators and its equality."""
