from caruso.cli.main import main

raise SystemExit(main())
