import { createPlatform } from "./components/platform";
import { loadConfig } from "./config/load";

export = async () => {
    const config = loadConfig();
    const target = await createPlatform(config);

    return {
        platform: target.kind,
    };
};
